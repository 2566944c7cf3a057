/**
 * Reliability, a restart of the local SQS: while a consumer drains and a sender still streams
 * N messages, the server (persisting to a `dataDir`) is stopped, stays down for a few seconds,
 * and comes back on the same port with the same data. Both processes ride it out by themselves:
 * the sender retries the sends refused while the server is down (and logs that it does), exits 0
 * with all N sent; the consumer handles every message, under 1 % of them twice; nothing is left.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { LATENCIES, MESSAGES, TEST_TIMEOUT_MS, WAIT_MS } from "./config.ts"
import {
  allConsuming,
  cleanUp,
  countsOf,
  DLQ,
  describeSender,
  failedNumbers,
  isEmpty,
  Ledger,
  QUEUE,
  queueState,
  report,
  seconds,
  since,
  sleep,
  spawnConsumer,
  spawnSender,
  startServer,
  stopServer,
  waitFor,
  within
} from "./harness.ts"

const dataDirs: Array<string> = []
afterEach(async () => {
  await cleanUp()
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const N = MESSAGES.restart
/** How long the server stays down: longer than a request's own retries (about 1.5 s). */
const OUTAGE_MS = 3_500
/** Sends seen by the server before it is stopped: the sender is then well under way, far from done. */
const BATCHES_BEFORE_STOP = Math.ceil(N / 10 / 10)

describe.each(LATENCIES)("a restart of the local SQS, %i ms added to every request", (latencyMs) => {
  it(
    `the sender and the consumer ride it out: all ${N} sent, all handled, under 1 % twice`,
    async () => {
      const started = performance.now()
      const dataDir = mkdtempSync(join(tmpdir(), "reliability-restart-"))
      dataDirs.push(dataDir)
      const before = await startServer({ latencyMs, dataDir })
      const { port, endpoint } = before
      const ledger = new Ledger("job", N)
      const consumer = spawnConsumer(
        endpoint,
        ["--wait", "1s", "--max-in-flight", "20", "--visibility-timeout", "5s"],
        { ledger }
      )
      await allConsuming([consumer])
      const sender = spawnSender(endpoint, ["--body", "job", "--count", String(N)])

      // Both at work: the sender well under way (far from done), the consumer handling.
      await waitFor(
        () => (before.requestCounts().SendMessageBatch ?? 0) >= BATCHES_BEFORE_STOP && ledger.handled > 0,
        `${BATCHES_BEFORE_STOP} SendMessageBatch requests and a first message handled`,
        {
          state: () => ({ requests: before.requestCounts(), sender: sender.app.stderr.slice(-5) }),
          running: [sender, consumer]
        }
      )
      const sentBeforeStop = (before.requestCounts().SendMessageBatch ?? 0) * 10
      await stopServer(before)
      const stoppedAt = performance.now()
      // The scenario needs both still at work when the server goes away.
      expect(sender.app.child.exitCode, "the sender was still sending at the stop").toBeNull()
      expect(consumer.app.child.exitCode, "the consumer was running at the stop").toBeNull()
      const handledBeforeStop = ledger.handled

      await sleep(OUTAGE_MS)
      const after = await startServer({ latencyMs, dataDir, port })
      const restartedAt = performance.now()

      const sent = await within(sender.result, WAIT_MS, "the sender to finish")
      const senderDoneAfterRestart = since(restartedAt)

      // The consumer's side first, whatever the sender reported: every message the sender did not
      // report failed is handled, and nothing is left on the server.
      const failed = failedNumbers(sent)
      expect(failed.length, describeSender(sent)).toBe(sent.summary?.failed ?? 0)
      const state = () => ({ ledger: ledger.summary(), queues: queueState(after) })
      await waitFor(() => ledger.handled + failed.length >= N, "every message sent to be handled", {
        state,
        running: [consumer]
      })
      await waitFor(() => isEmpty(after, QUEUE), "the queue to be empty", { state, running: [consumer] })
      const completeAfterRestart = since(restartedAt)
      expect(consumer.app.child.exitCode, "the consumer kept running").toBeNull()
      const stopped = await consumer.stop()
      expect(stopped.code, consumer.app.stderr.join("\n")).toBe(0)
      report(`restart ${latencyMs} ms`, {
        messages: N,
        "sent before the stop (about)": sentBeforeStop,
        "handled before the stop": handledBeforeStop,
        outage: seconds(restartedAt - stoppedAt),
        "sender exit": sent.code,
        "sender reported failed": sent.summary?.failed,
        "sender done after the restart in": seconds(senderDoneAfterRestart),
        "sender retry log lines": sent.stderr.filter((line) => /retr/i.test(line)).length,
        "all handled and deleted after the restart in": seconds(completeAfterRestart),
        handled: ledger.handled,
        duplicates: ledger.duplicates,
        "test took": seconds(since(started))
      })
      expect(ledger.unexpected).toEqual([])
      expect(ledger.duplicates).toBeLessThan(N / 100)
      expect(countsOf(after, DLQ)).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
      expect(
        failed.filter((n) => ledger.has(n)),
        "messages the sender reported failed were not stored"
      ).toEqual([])

      // The sender rode the outage out by itself: all N sent, and it said it was retrying. All N
      // includes a batch whose connection the stopping server reset before reading it (such a
      // batch was never stored: checked above), not only the sends refused while it was down.
      expect(sent.stderr.join("\n"), "the sender logs that it retries").toMatch(/retr/i)
      expect(sent.code, describeSender(sent)).toBe(0)
      expect(sent.summary).toMatchObject({ sent: N, failed: 0 })
      expect(ledger.complete).toBe(true)
    },
    TEST_TIMEOUT_MS
  )
})
