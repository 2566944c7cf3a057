import { assert, describe, it, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Ref, Schedule } from "effect"
import { Consumer, Producer } from "../src/index.ts"
import { LATENCIES, localSqsServicesAt, queueWith, recorder } from "./fixtures.ts"

describe("Consumer.settings", () => {
  it.effect("rejects out-of-range options with a message naming the option", () =>
    Effect.gen(function* () {
      const messageOf = (options: Consumer.Options) =>
        Effect.flip(Consumer.settings(options)).pipe(Effect.map((error) => error.message))
      assert.strictEqual(
        yield* messageOf({ maxMessages: 11 }),
        "maxMessages must be an integer from 1 to 10, got 11"
      )
      assert.strictEqual(
        yield* messageOf({ maxInFlight: 0 }),
        "maxInFlight must be a positive integer, got 0"
      )
      assert.strictEqual(
        yield* messageOf({ waitTime: "25 seconds" }),
        "waitTime must be from 0 to 20s, got 25s"
      )
      assert.strictEqual(
        yield* messageOf({ visibilityTimeout: "13 hours" }),
        "visibilityTimeout must be from 1s to 12h, got 13h"
      )
    })
  )
})

for (const latencyMs of LATENCIES) {
  layer(localSqsServicesAt(latencyMs), { excludeTestServices: true })(
    `Consumer (local SQS over HTTP, ${latencyMs} ms)`,
    (it) => {
      it.effect("receives, handles and deletes every message", () =>
        Effect.gen(function* () {
          const { name, counts } = yield* queueWith(15)
          const { bodies, done, record } = yield* recorder(15)
          const consumer = yield* Effect.forkChild(
            Consumer.run(name, (message) => record(message.body), { waitTime: "1 second" })
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          assert.deepStrictEqual(
            (yield* Ref.get(bodies)).toSorted(),
            Array.from({ length: 15 }, (_, i) => `message ${i}`).toSorted()
          )
          assert.deepStrictEqual(counts(), { ready: 0, delayed: 0, inFlight: 0 })
        })
      )

      it.effect("never deletes a message whose handler failed", () =>
        Effect.gen(function* () {
          const { name, counts } = yield* queueWith(1)
          const failed = yield* Deferred.make<void>()
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              () => Deferred.succeed(failed, undefined).pipe(Effect.andThen(Effect.fail("boom"))),
              // Back only after an hour: nothing can make it visible before the check below.
              { waitTime: "1 second", retryDelay: Schedule.spaced("1 hour") }
            )
          )
          yield* Deferred.await(failed)
          yield* Fiber.interrupt(consumer)
          // Still in flight: it comes back after its retry delay, or goes to the DLQ.
          assert.deepStrictEqual(counts(), { ready: 0, delayed: 0, inFlight: 1 })
          assert.strictEqual((yield* Consumer.summary(name)).retried, 1)
        })
      )

      it.effect("handles a hundred fast messages while a slow one (2 s) is still running", () =>
        Effect.gen(function* () {
          const { name } = yield* queueWith(0)
          const producer = yield* Producer.Producer
          yield* producer.send(name, "slow")
          yield* producer.sendBatch(
            name,
            Array.from({ length: 100 }, (_, i) => `fast ${i}`)
          )
          const { bodies, done, record } = yield* recorder(101)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) =>
                (message.body === "slow" ? Effect.sleep("2 seconds") : Effect.void).pipe(
                  Effect.andThen(record(message.body))
                ),
              { waitTime: "1 second", maxInFlight: 10 }
            )
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          const order = yield* Ref.get(bodies)
          assert.strictEqual(order.length, 101)
          assert.strictEqual(
            order.at(-1),
            "slow",
            "all hundred fast messages were handled before the slow one finished"
          )
        })
      )

      it.effect("on shutdown lets a running handler finish and deletes its message", () =>
        Effect.gen(function* () {
          const { name, counts } = yield* queueWith(1)
          const started = yield* Deferred.make<void>()
          const finished = yield* Ref.make(false)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              () =>
                Deferred.succeed(started, undefined).pipe(
                  Effect.andThen(Effect.sleep("300 millis")),
                  Effect.andThen(Ref.set(finished, true))
                ),
              { waitTime: "1 second", shutdownTimeout: "5 seconds" }
            )
          )
          yield* Deferred.await(started)
          yield* Fiber.interrupt(consumer)
          assert.isTrue(yield* Ref.get(finished))
          assert.deepStrictEqual(counts(), { ready: 0, delayed: 0, inFlight: 0 })
        })
      )

      it.effect("on shutdown releases at once the messages whose handlers pass the deadline", () =>
        Effect.gen(function* () {
          const { name, counts } = yield* queueWith(2)
          const { done, record } = yield* recorder(2)
          const consumer = yield* Effect.forkChild(
            Consumer.run(name, (message) => record(message.body).pipe(Effect.andThen(Effect.never)), {
              waitTime: "1 second",
              shutdownTimeout: "100 millis"
            })
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          // Visible again now, not after the 30 s visibility timeout.
          assert.deepStrictEqual(counts(), { ready: 2, delayed: 0, inFlight: 0 })
          assert.strictEqual((yield* Consumer.summary(name)).released, 2)
        })
      )

      it.effect("lets the poll in flight at shutdown complete and releases what it got at once", () =>
        Effect.gen(function* () {
          const { name, counts } = yield* queueWith(0)
          const { bodies, record } = yield* recorder(1)
          const consumer = yield* Effect.forkChild(
            Consumer.run(name, (message) => record(message.body), { waitTime: "2 seconds", maxInFlight: 1 })
          )
          yield* Effect.sleep("300 millis")
          // Shutdown starts while the long poll is waiting; a message arrives before it ends.
          const shutdown = yield* Effect.forkChild(Fiber.interrupt(consumer))
          yield* Effect.sleep("200 millis")
          yield* (yield* Producer.Producer).send(name, "late")
          yield* Fiber.join(shutdown)
          // Not handled, and not left in flight for a visibility timeout either: visible again now.
          assert.deepStrictEqual(yield* Ref.get(bodies), [])
          assert.strictEqual(
            (yield* Consumer.summary(name)).released,
            1,
            "the poll in flight got it and released it"
          )
          assert.deepStrictEqual(counts(), { ready: 1, delayed: 0, inFlight: 0 })
        })
      )

      it.effect("fails at once when the queue does not exist", () =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(Consumer.run("NoSuchQueue", () => Effect.void))
          assert.strictEqual(error._tag, "SqsError")
          assert.include(error.message, 'queue "NoSuchQueue" does not exist')
        }).pipe(Effect.timeout(Duration.seconds(5)))
      )
    }
  )
}
