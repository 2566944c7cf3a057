/**
 * A drain of 20,000 queued messages at 0 ms and at 20 ms added to every request (a real SQS
 * region's round trip is of that order), with a 10 s visibility timeout and a redrive to a DLQ
 * after 5 receives: every message is handled, almost none twice, none dead-lettered, and the
 * number received but not yet settled never passes `maxInFlight`.
 */
import { start } from "@bgcheck/local-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, References } from "effect"
import { Consumer, ConsumerMetrics, QueueServices } from "../src/index.ts"
import { LATENCIES } from "./fixtures.ts"

const MESSAGES = 20_000
const MAX_IN_FLIGHT = 50

describe.each(LATENCIES)("a drain at %i ms added latency", (latencyMs) => {
  it.live(
    `handles ${MESSAGES} messages with under 1 % duplicates and none in the DLQ`,
    () =>
      Effect.gen(function* () {
        const server = yield* Effect.acquireRelease(
          Effect.promise(() => start({ latencyMs })),
          (server) => Effect.promise(() => server.stop())
        )
        const name = `drain-${latencyMs}ms`
        server.createQueue({
          name,
          attributes: { VisibilityTimeout: "10" },
          deadLetter: { maxReceiveCount: 5 }
        })
        server.enqueue(
          name,
          Array.from({ length: MESSAGES }, (_, i) => `job ${i}`)
        )

        const handled = new Map<string, number>()
        let unsettledPeak = 0
        const summary = yield* Effect.gen(function* () {
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) =>
                Effect.sync(() => {
                  handled.set(message.body, (handled.get(message.body) ?? 0) + 1)
                }),
              { maxInFlight: MAX_IN_FLIGHT, waitTime: "2 seconds" }
            )
          )
          // Done when the queue is empty: every message deleted (or dead-lettered).
          while (true) {
            const counts = server.inspect(name)!
            unsettledPeak = Math.max(unsettledPeak, counts.inFlight)
            if (counts.ready + counts.inFlight + counts.delayed === 0) break
            yield* Effect.sleep("20 millis")
          }
          yield* Fiber.interrupt(consumer)
          return yield* ConsumerMetrics.summary(name)
        }).pipe(Effect.provide(QueueServices.layer({ endpoint: server.endpoint })))

        const runs = [...handled.values()].reduce((total, n) => total + n, 0)
        const duplicates = runs - handled.size
        const deadLettered = server.inspect(`${name}-dlq`)!.ready
        console.log(
          `${latencyMs} ms: ${handled.size} handled, ${duplicates} duplicates, ${deadLettered} in the DLQ, ` +
            `peak ${unsettledPeak} in flight; ${ConsumerMetrics.formatSummary(summary)}`
        )
        assert.strictEqual(handled.size, MESSAGES, "every message was handled")
        assert.strictEqual(deadLettered, 0, "no handled message reached the DLQ")
        assert.isBelow(duplicates, MESSAGES / 100, "under 1 % handled twice")
        assert.isAtMost(unsettledPeak, MAX_IN_FLIGHT, "received and not settled never passed maxInFlight")
        assert.strictEqual(summary.processed, MESSAGES)
      }).pipe(Effect.scoped, Effect.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))),
    300_000
  )
})
