/**
 * Reliability, SIGTERM under load: a consumer process stopped with SIGTERM while it holds a full
 * `--max-in-flight` of messages in progress (`--work-time` makes each one take a while) exits 0
 * within its `--shutdown-timeout` (plus a margin for process start-up and teardown on a loaded
 * machine), and leaves the queue exact:
 *
 * - the work that can finish within the deadline finishes, is printed, and its deletes are flushed
 *   before the exit (what is left is exactly N minus what it printed);
 * - the work that cannot finish is released: with a 60 s `--visibility-timeout` only an explicit
 *   release can make those messages visible, and they are visible within 1 s of the exit.
 */
import { afterEach, describe, expect, it } from "vitest"
import { LATENCIES, MESSAGES, TEST_TIMEOUT_MS } from "./config.ts"
import {
  type ConsumerApp,
  cleanUp,
  countsOf,
  DLQ,
  enqueueNumbered,
  QUEUE,
  queueState,
  report,
  seconds,
  since,
  spawnConsumer,
  startServer,
  stoppedSummary,
  waitFor
} from "./harness.ts"

afterEach(cleanUp)

const N = MESSAGES.sigterm
const MAX_IN_FLIGHT = 50
const WAIT_S = 1
/** For process teardown and a loaded machine; the deadlines themselves are seconds. */
const EXIT_MARGIN_MS = 5_000

/** Queues N messages, starts a consumer, and sends SIGTERM once it holds MAX_IN_FLIGHT of them. */
const stopUnderLoad = async (latencyMs: number, workTime: string, shutdownTimeout: string) => {
  const server = await startServer({ latencyMs })
  enqueueNumbered(server, "job", N)
  const consumer: ConsumerApp = spawnConsumer(server.endpoint, [
    "--wait",
    `${WAIT_S}s`,
    "--max-in-flight",
    String(MAX_IN_FLIGHT),
    "--visibility-timeout",
    "60s",
    "--work-time",
    workTime,
    "--shutdown-timeout",
    shutdownTimeout
  ])
  await waitFor(
    () => countsOf(server, QUEUE).inFlight >= MAX_IN_FLIGHT,
    `the consumer to hold ${MAX_IN_FLIGHT} messages`,
    { state: () => queueState(server), running: [consumer] }
  )
  const atSigterm = { ...countsOf(server, QUEUE), printed: consumer.printed.length }
  const stopped = await consumer.stop("SIGTERM")
  const exitedAt = performance.now()
  expect(stopped.code, consumer.app.stderr.join("\n")).toBe(0)
  const printed = consumer.printed.length
  // Exactly what it did not print is left, and none of it in flight.
  const reappearedIn = await waitFor(
    () => {
      const counts = countsOf(server, QUEUE)
      return counts.inFlight === 0 && counts.ready === N - printed
    },
    "the queue to hold exactly the messages not printed, all visible",
    { timeoutMs: 1_000, state: () => ({ printed, queues: queueState(server), since: since(exitedAt) }) }
  )
  expect(countsOf(server, DLQ)).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
  expect(consumer.strays).toEqual([])
  return { server, consumer, stopped, atSigterm, printed, reappearedIn }
}

describe.each(LATENCIES)(
  "a consumer stopped with SIGTERM under load, %i ms added to every request",
  (latencyMs) => {
    it(
      "finishes the work it can within --shutdown-timeout, flushes its deletes and exits 0",
      async () => {
        const started = performance.now()
        const { stopped, atSigterm, printed, reappearedIn, consumer } = await stopUnderLoad(
          latencyMs,
          "2s",
          "10s"
        )
        expect(stopped.ms).toBeLessThan(10_000 + WAIT_S * 1_000 + EXIT_MARGIN_MS)
        // Everything in its hands finished (or, if a poll was still out, was released unhandled).
        expect(printed).toBeGreaterThan(atSigterm.printed)
        expect(printed - atSigterm.printed).toBeLessThanOrEqual(atSigterm.inFlight)
        report(`SIGTERM, work finishing within the deadline, ${latencyMs} ms`, {
          messages: N,
          "held at SIGTERM": atSigterm.inFlight,
          "printed before SIGTERM": atSigterm.printed,
          "printed during shutdown (deleted before the exit)": printed - atSigterm.printed,
          "exit after SIGTERM": seconds(stopped.ms),
          "queue exact after the exit in": `${reappearedIn} ms`,
          summary: stoppedSummary(consumer)
            ?.replace(/.*consumer stopped: /, "")
            .replace(/".*$/, ""),
          "test took": seconds(since(started))
        })
      },
      TEST_TIMEOUT_MS
    )

    it(
      "releases at once the work that cannot finish by --shutdown-timeout and exits 0",
      async () => {
        const started = performance.now()
        const { server, stopped, atSigterm, printed, reappearedIn, consumer } = await stopUnderLoad(
          latencyMs,
          "4s",
          "1s"
        )
        expect(stopped.ms).toBeLessThan(1_000 + WAIT_S * 1_000 + EXIT_MARGIN_MS)
        // Messages it held and did not finish are visible again (a 60 s visibility timeout could
        // not have lapsed): more are visible now than were at SIGTERM.
        const released = countsOf(server, QUEUE).ready - atSigterm.ready
        expect(released).toBeGreaterThan(0)
        report(`SIGTERM, work past the deadline, ${latencyMs} ms`, {
          messages: N,
          "held at SIGTERM": atSigterm.inFlight,
          "printed before SIGTERM": atSigterm.printed,
          "printed during shutdown": printed - atSigterm.printed,
          "released (visible again)": released,
          "exit after SIGTERM": seconds(stopped.ms),
          "released messages visible after the exit in": `${reappearedIn} ms`,
          summary: stoppedSummary(consumer)
            ?.replace(/.*consumer stopped: /, "")
            .replace(/".*$/, ""),
          "test took": seconds(since(started))
        })
      },
      TEST_TIMEOUT_MS
    )
  }
)
