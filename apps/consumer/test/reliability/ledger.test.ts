/**
 * Reliability, the ledger: N numbered messages sent by the real sender app and drained by the
 * real consumer app (two processes against a local SQS over HTTP, at 0 ms and at 20 ms added to
 * every request) are every one handled, under 1 % of them twice, and nothing is left visible, in
 * flight or in the dead-letter queue.
 */
import { afterEach, describe, expect, it } from "vitest"
import { LATENCIES, MESSAGES, TEST_TIMEOUT_MS } from "./config.ts"
import {
  cleanUp,
  countsOf,
  DLQ,
  describeSender,
  isEmpty,
  Ledger,
  QUEUE,
  queueState,
  report,
  runSender,
  seconds,
  since,
  spawnConsumer,
  startServer,
  waitFor
} from "./harness.ts"

afterEach(cleanUp)

const N = MESSAGES.ledger

describe.each(LATENCIES)("the ledger, %i ms added to every request", (latencyMs) => {
  it(
    `${N} messages from the sender are all handled by the consumer, under 1 % twice, none left over`,
    async () => {
      const started = performance.now()
      const server = await startServer({ latencyMs })
      const ledger = new Ledger("job", N)
      const consumer = spawnConsumer(server.endpoint, ["--wait", "1s", "--max-in-flight", "50"], { ledger })

      const sender = await runSender(server.endpoint, ["--body", "job", "--count", String(N)])
      expect(sender.code, describeSender(sender)).toBe(0)
      expect(sender.summary).toMatchObject({ sent: N, failed: 0 })

      const state = () => ({ ledger: ledger.summary(), queues: queueState(server) })
      await waitFor(() => ledger.complete, `all ${N} messages handled`, { state, running: [consumer] })
      // Handled is not yet deleted: done when the queue holds nothing at all.
      await waitFor(() => isEmpty(server, QUEUE), "the queue to be empty", { state, running: [consumer] })
      const drainedIn = since(started)

      const stopped = await consumer.stop()
      expect(stopped.code, consumer.app.stderr.join("\n")).toBe(0)

      expect(ledger.unexpected).toEqual([])
      expect(consumer.strays).toEqual([])
      expect(ledger.duplicates).toBeLessThan(N / 100)
      expect(countsOf(server, QUEUE)).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
      expect(countsOf(server, DLQ)).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
      const requests = server.requestCounts()
      report(`ledger ${latencyMs} ms`, {
        messages: N,
        handled: ledger.handled,
        duplicates: ledger.duplicates,
        "sender took": seconds(sender.ms),
        "drained after": seconds(drainedIn),
        requests,
        "test took": seconds(since(started))
      })
    },
    TEST_TIMEOUT_MS
  )
})
