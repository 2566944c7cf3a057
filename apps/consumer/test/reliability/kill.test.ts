/**
 * Reliability, kill -9: a consumer process killed with SIGKILL in the middle of a drain (after it
 * has printed part of the queue) loses nothing. A second consumer handles every message; the
 * only messages handled twice are ones the first was holding when it died, so there are at most
 * its `--max-in-flight` of them; they come back after its short `--visibility-timeout`.
 */
import { afterEach, describe, expect, it } from "vitest"
import { LATENCIES, MESSAGES, TEST_TIMEOUT_MS } from "./config.ts"
import {
  cleanUp,
  countsOf,
  DLQ,
  enqueueNumbered,
  isEmpty,
  Ledger,
  QUEUE,
  queueState,
  report,
  seconds,
  since,
  spawnConsumer,
  startServer,
  waitFor
} from "./harness.ts"

afterEach(cleanUp)

const N = MESSAGES.kill
const FIRST_MAX_IN_FLIGHT = 20

describe.each(LATENCIES)("a consumer killed with SIGKILL, %i ms added to every request", (latencyMs) => {
  it(
    `a second consumer handles all ${N} messages, at most ${FIRST_MAX_IN_FLIGHT} of them twice`,
    async () => {
      const started = performance.now()
      const server = await startServer({ latencyMs })
      enqueueNumbered(server, "job", N)

      const ledger = new Ledger("job", N)
      const state = () => ({ ledger: ledger.summary(), queues: queueState(server) })
      const first = spawnConsumer(
        server.endpoint,
        [
          "--wait",
          "1s",
          "--max-in-flight",
          String(FIRST_MAX_IN_FLIGHT),
          "--visibility-timeout",
          "3s",
          // A little work per message, so that it dies with messages in its hands.
          "--work-time",
          "10ms"
        ],
        { name: "first", ledger }
      )
      // Mid-drain: a good part printed, most of the queue still to go.
      await waitFor(() => first.printed.length >= N / 4, `the first consumer to print ${N / 4} messages`, {
        state,
        running: [first]
      })
      // Read in the same tick as the kill (the server runs in this process): nothing changes between.
      const heldAtKill = countsOf(server, QUEUE).inFlight
      const killedAt = performance.now()
      const killed = await first.stop("SIGKILL")
      expect(killed.code).toBeNull()
      const byFirst = first.printed.length
      expect(byFirst).toBeLessThan(N)

      const second = spawnConsumer(server.endpoint, ["--wait", "1s", "--max-in-flight", "50"], {
        name: "second",
        ledger
      })
      await waitFor(() => ledger.complete, `all ${N} messages handled`, { state, running: [second] })
      await waitFor(() => isEmpty(server, QUEUE), "the queue to be empty", { state, running: [second] })
      const recoveredIn = since(killedAt)
      const stopped = await second.stop()
      expect(stopped.code, second.app.stderr.join("\n")).toBe(0)

      const handledByBoth = first.printed.filter((record) =>
        second.printed.some((other) => other.body === record.body)
      ).length
      expect(ledger.unexpected).toEqual([])
      // Handled twice: only messages the first had printed and not yet seen deleted, so messages
      // in flight on the server when it was killed (read in the same tick as the kill), at most
      // its --max-in-flight.
      expect(ledger.duplicates).toBeLessThanOrEqual(heldAtKill)
      expect(heldAtKill).toBeLessThanOrEqual(FIRST_MAX_IN_FLIGHT)
      expect(second.printed.length).toBeGreaterThanOrEqual(N - byFirst)
      expect(countsOf(server, DLQ)).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
      report(`kill -9 ${latencyMs} ms`, {
        messages: N,
        "printed by the first before SIGKILL": byFirst,
        "in flight at the kill": heldAtKill,
        "printed by the second": second.printed.length,
        duplicates: ledger.duplicates,
        "handled by both": handledByBoth,
        "recovered (all handled and deleted) after the kill in": seconds(recoveredIn),
        "test took": seconds(since(started))
      })
    },
    TEST_TIMEOUT_MS
  )
})
