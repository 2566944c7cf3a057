/**
 * The consumer engine against a local SQS over HTTP, at 0 ms and at 20 ms added to every request:
 * capacity, batching, leases, failure outcomes, FIFO, a loop that survives its endpoint, and
 * shutdown.
 */
import { start } from "@bgcheck/local-sqs"
import { assert, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Layer, Ref, Schedule, Schema } from "effect"
import { Consumer, Producer, QueueServices, Queues } from "../src/index.ts"
import {
  apiCallsOf,
  capturedLogs,
  eventually,
  LATENCIES,
  LocalSqs,
  localSqsServicesAt,
  noRetry,
  queueWith,
  recorder,
  uniqueName
} from "./fixtures.ts"

/** Counts handlers running at once and remembers the peak. */
const concurrencyProbe = Effect.gen(function* () {
  let current = 0
  let peak = 0
  const around = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.suspend(() => {
      current++
      peak = Math.max(peak, current)
      return effect
    }).pipe(Effect.ensuring(Effect.sync(() => current--)))
  return { around, peak: () => peak }
})

for (const latencyMs of LATENCIES) {
  layer(localSqsServicesAt(latencyMs), { excludeTestServices: true })(
    `Consumer engine (local SQS over HTTP, ${latencyMs} ms)`,
    (it) => {
      // The handlers outlast many receives, so the peak shows how far past one receive's 10 messages
      // the engine fills its room, however slow a loaded machine makes each receive.
      it.effect("fills its room well past the 10 messages of one receive", () =>
        Effect.gen(function* () {
          const { name } = yield* queueWith(200)
          const probe = yield* concurrencyProbe
          const { done, record } = yield* recorder(200)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) =>
                probe.around(Effect.sleep("400 millis")).pipe(Effect.andThen(record(message.body))),
              {
                waitTime: "1 second",
                maxInFlight: 50
              }
            )
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          assert.isAtLeast(probe.peak(), 40, `peak concurrency was ${probe.peak()}`)
        })
      )

      it.effect("deletes in batches of up to 10", () =>
        Effect.gen(function* () {
          const { name, counts } = yield* queueWith(40)
          const { done, record } = yield* recorder(40)
          const before = yield* apiCallsOf("DeleteMessageBatch")
          const consumer = yield* Effect.forkChild(
            Consumer.run(name, (message) => record(message.body), { waitTime: "1 second", maxInFlight: 40 })
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          const deletes = (yield* apiCallsOf("DeleteMessageBatch")) - before
          assert.isAtMost(deletes, 8, `${deletes} DeleteMessageBatch requests for 40 messages`)
          assert.deepStrictEqual(counts(), { ready: 0, delayed: 0, inFlight: 0 })
        })
      )

      it.effect("keeps a message invisible while its handler takes three times the visibility timeout", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("lease")
          server.createQueue({ name, attributes: { VisibilityTimeout: "1" } })
          yield* (yield* Producer.Producer).send(name, "long job")
          const calls = yield* Ref.make(0)
          const finished = yield* Deferred.make<void>()
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              () =>
                Ref.update(calls, (n) => n + 1).pipe(
                  Effect.andThen(Effect.sleep("3200 millis")),
                  Effect.andThen(Deferred.succeed(finished, undefined))
                ),
              { waitTime: "1 second", maxInFlight: 5 }
            )
          )
          yield* Deferred.await(finished)
          yield* Effect.sleep("300 millis")
          yield* Fiber.interrupt(consumer)
          assert.strictEqual(yield* Ref.get(calls), 1, "the message was never received again")
          assert.deepStrictEqual(server.inspect(name), { ready: 0, delayed: 0, inFlight: 0 })
        })
      )

      it.effect("interrupts a handler that passes handlerTimeout and retries its message later", () =>
        Effect.gen(function* () {
          const { name } = yield* queueWith(1)
          const interrupted = yield* Ref.make(false)
          const { done, record } = yield* recorder(1)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) =>
                message.receiveCount === 1
                  ? Effect.never.pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))
                  : record(`${message.body} on receive ${message.receiveCount}`),
              {
                waitTime: "1 second",
                handlerTimeout: "300 millis",
                retryDelay: Schedule.spaced("500 millis")
              }
            )
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          assert.isTrue(yield* Ref.get(interrupted))
        })
      )

      it.effect("releases a message at once when the handler fails with Release", () =>
        Effect.gen(function* () {
          const { name } = yield* queueWith(1)
          const { done, record } = yield* recorder(1)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) =>
                message.receiveCount === 1
                  ? Effect.fail(new Consumer.Release({ reason: "not mine" }))
                  : record(`${message.body} on receive ${message.receiveCount}`),
              { waitTime: "1 second" }
            )
          )
          // Without the release it would come back only after the queue's 30 s visibility timeout,
          // past this test's time limit.
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          assert.strictEqual((yield* Consumer.summary(name)).released, 1)
        })
      )

      it.effect("brings a message back after the delay a RetryLater asks for", () =>
        Effect.gen(function* () {
          const { name } = yield* queueWith(1)
          const times = yield* Ref.make<Array<number>>([])
          const { done, record } = yield* recorder(1)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) =>
                Effect.gen(function* () {
                  yield* Ref.update(times, (all) => [...all, Date.now()])
                  if (message.receiveCount === 1) {
                    return yield* new Consumer.RetryLater({ reason: "busy", delay: Duration.seconds(2) })
                  }
                  yield* record(message.body)
                }),
              { waitTime: "1 second" }
            )
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          const [first, second] = yield* Ref.get(times)
          assert.isAtLeast(second! - first!, 1_900)
        })
      )

      it.effect("treats a defect as a failure: the message is retried and the consumer goes on", () =>
        Effect.gen(function* () {
          const { name } = yield* queueWith(3)
          const { bodies, done, record } = yield* recorder(3)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) =>
                message.body === "message 1" && message.receiveCount === 1
                  ? Effect.die(new Error("bug"))
                  : record(message.body),
              { waitTime: "1 second", retryDelay: Schedule.spaced("200 millis") }
            )
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          assert.deepStrictEqual((yield* Ref.get(bodies)).toSorted(), ["message 0", "message 1", "message 2"])
        })
      )

      it.effect("moves a poison message to the dead-letter queue after exactly one receive", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("poison")
          server.createQueue({ name, deadLetter: { maxReceiveCount: 5 } })
          yield* (yield* Producer.Producer).send(name, "not json at all")
          const calls = yield* Ref.make(0)
          const Job = Schema.Struct({ jobId: Schema.String })
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              Consumer.withSchema(Job, () => Ref.update(calls, (n) => n + 1)),
              { waitTime: "1 second" }
            )
          )
          yield* eventually(() => server.inspect(`${name}-dlq`)?.ready === 1, "the message in the DLQ")
          yield* Fiber.interrupt(consumer)
          assert.strictEqual(yield* Ref.get(calls), 0)
          assert.deepStrictEqual(server.inspect(name), { ready: 0, delayed: 0, inFlight: 0 })
          assert.deepStrictEqual(server.inspect(`${name}-dlq`), { ready: 1, delayed: 0, inFlight: 0 })
        })
      )

      it.effect("decodes bodies with a schema before the handler sees them", () =>
        Effect.gen(function* () {
          const { name } = yield* queueWith(0)
          yield* (yield* Producer.Producer).send(name, JSON.stringify({ jobId: "j-1" }))
          const seen = yield* Deferred.make<string>()
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              Consumer.withSchema(Schema.Struct({ jobId: Schema.String }), (message) =>
                Deferred.succeed(seen, message.body.jobId)
              ),
              { waitTime: "1 second" }
            )
          )
          assert.strictEqual(yield* Deferred.await(seen), "j-1")
          yield* Fiber.interrupt(consumer)
        })
      )

      it.effect("leaves it to the redrive policy after maxReceiveCount failures", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("redrive")
          server.createQueue({ name, deadLetter: { maxReceiveCount: 2 } })
          yield* (yield* Producer.Producer).send(name, "always fails")
          const calls = yield* Ref.make(0)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              () => Ref.update(calls, (n) => n + 1).pipe(Effect.andThen(Effect.fail("still failing"))),
              { waitTime: "1 second", retryDelay: Schedule.spaced("100 millis") }
            )
          )
          yield* eventually(() => server.inspect(`${name}-dlq`)?.ready === 1, "SQS moving it to the DLQ")
          yield* Fiber.interrupt(consumer)
          assert.strictEqual(yield* Ref.get(calls), 2)
          assert.deepStrictEqual(server.inspect(`${name}-dlq`), { ready: 1, delayed: 0, inFlight: 0 })
        })
      )

      it.effect("keeps order within a FIFO group while groups run in parallel", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = `${uniqueName("ordered")}.fifo`
          server.createQueue({ name, attributes: { ContentBasedDeduplication: "true" } })
          const messages = [1, 2, 3, 4, 5].flatMap((n) =>
            ["a", "b", "c"].map((group) => ({ body: `${group}:${n}`, groupId: group }))
          )
          yield* (yield* Producer.Producer).sendBatch(name, messages)
          const probe = yield* concurrencyProbe
          const { bodies, done, record } = yield* recorder(15)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) => probe.around(Effect.sleep("50 millis")).pipe(Effect.andThen(record(message.body))),
              {
                waitTime: "1 second",
                maxInFlight: 20
              }
            )
          )
          yield* Deferred.await(done)
          yield* Fiber.interrupt(consumer)
          const order = yield* Ref.get(bodies)
          for (const group of ["a", "b", "c"]) {
            assert.deepStrictEqual(
              order.filter((body) => body.startsWith(group)),
              [1, 2, 3, 4, 5].map((n) => `${group}:${n}`)
            )
          }
          assert.isAtLeast(probe.peak(), 2, "groups ran in parallel")
        })
      )

      it.effect(
        "after a failure in a FIFO group, releases the group's later messages rather than run them out of order",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const name = `${uniqueName("fifo-fail")}.fifo`
            server.createQueue({ name, attributes: { ContentBasedDeduplication: "true" } })
            yield* (yield* Producer.Producer).sendBatch(
              name,
              [1, 2, 3, 4, 5].map((n) => ({ body: `a:${n}`, groupId: "a" }))
            )
            const { bodies, done, record } = yield* recorder(5)
            const attempts = yield* Ref.make<Array<string>>([])
            const consumer = yield* Effect.forkChild(
              Consumer.run(
                name,
                (message) =>
                  Ref.update(attempts, (all) => [...all, message.body]).pipe(
                    Effect.andThen(
                      message.body === "a:2" && message.receiveCount === 1
                        ? Effect.fail(new Consumer.RetryLater({ reason: "flaky", delay: Duration.zero }))
                        : record(message.body)
                    )
                  ),
                { waitTime: "1 second", maxInFlight: 10 }
              )
            )
            yield* Deferred.await(done)
            yield* Fiber.interrupt(consumer)
            assert.deepStrictEqual(yield* Ref.get(bodies), ["a:1", "a:2", "a:3", "a:4", "a:5"])
            assert.deepStrictEqual(yield* Ref.get(attempts), ["a:1", "a:2", "a:2", "a:3", "a:4", "a:5"])
          })
      )

      it.effect(
        "releases at shutdown what the poll in flight got, and another consumer gets it at once",
        () =>
          Effect.gen(function* () {
            const { name } = yield* queueWith(0)
            const first = yield* Effect.forkChild(
              Consumer.run(name, () => Effect.void, { waitTime: "3 seconds", maxInFlight: 10 })
            )
            yield* Effect.sleep("300 millis")
            const shutdown = yield* Effect.forkChild(Fiber.interrupt(first))
            yield* Effect.sleep("200 millis")
            // These arrive while the first consumer's last poll is still open: it gets and releases them.
            yield* (yield* Producer.Producer).sendBatch(name, ["x", "y", "z"])
            yield* Fiber.join(shutdown)
            assert.strictEqual(
              (yield* Consumer.summary(name)).released,
              3,
              "the poll in flight got all three"
            )
            const { bodies, done, record } = yield* recorder(3)
            const second = yield* Effect.forkChild(
              Consumer.run(name, (message) => record(`${message.body} ${message.receiveCount}`), {
                waitTime: "1 second"
              })
            )
            // Released, not left in flight: back well before the 30 s visibility timeout.
            yield* Deferred.await(done)
            yield* Fiber.interrupt(second)
            assert.deepStrictEqual((yield* Ref.get(bodies)).toSorted(), ["x 2", "y 2", "z 2"])
          })
      )

      it.effect(
        "counts and logs a delete SQS refuses (an expired receipt): the message will be handled again",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const name = uniqueName("refused-delete")
            // A 1 s visibility, so that the message whose delete was refused comes back soon.
            server.createQueue({ name, attributes: { VisibilityTimeout: "1" } })
            yield* (yield* Producer.Producer).send(name, "once")
            const logs = capturedLogs()
            server.injectFaults({
              action: "DeleteMessageBatch",
              entryFailureRate: 1,
              code: "ReceiptHandleIsInvalid",
              senderFault: true,
              times: 1
            })
            const { bodies, done, record } = yield* recorder(2)
            const consumer = yield* Effect.forkChild(
              Consumer.run(name, (message) => record(`${message.body} ${message.receiveCount}`), {
                waitTime: "1 second"
              }).pipe(Effect.provide(logs.layer))
            )
            yield* Deferred.await(done)
            yield* Fiber.interrupt(consumer)
            server.clearFaults()
            const summary = yield* Consumer.summary(name)
            assert.deepStrictEqual(yield* Ref.get(bodies), ["once 1", "once 2"], "handled again")
            assert.strictEqual(summary.duplicatesRisked, 1)
            assert.strictEqual(summary.processed, 1, "only the confirmed delete counts as processed")
            assert.isTrue(
              logs.lines.some((line) =>
                /^WARN SQS did not delete message [0-9a-f-]+ \(ReceiptHandleIsInvalid: injected fault\): it will be received again$/.test(
                  line
                )
              ),
              logs.lines.join(" | ")
            )
            assert.deepStrictEqual(server.inspect(name), { ready: 0, delayed: 0, inFlight: 0 })
          })
      )

      it.effect("keeps the lease of a message whose delete SQS is slow to confirm: not received again", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("slow-delete")
          server.createQueue({ name, attributes: { VisibilityTimeout: "1" } })
          yield* (yield* Producer.Producer).sendBatch(
            name,
            Array.from({ length: 30 }, (_, i) => `slow delete ${i}`)
          )
          // Each delete takes 2.5 s to be answered, longer than the 1 s visibility timeout.
          server.injectFaults({ action: "DeleteMessageBatch", latencyMs: 2_500 })
          const handled = yield* Ref.make<Array<string>>([])
          const consumer = yield* Effect.forkChild(
            Consumer.run(name, (message) => Ref.update(handled, (all) => [...all, message.body]), {
              waitTime: "1 second",
              maxInFlight: 30
            })
          )
          yield* eventually(
            () => server.inspect(name)?.inFlight === 0 && server.inspect(name)?.ready === 0,
            "all deleted"
          )
          // Two more visibility timeouts: a message whose lease had lapsed would be back by now.
          yield* Effect.sleep("2 seconds")
          yield* Fiber.interrupt(consumer)
          server.clearFaults()
          const bodies = yield* Ref.get(handled)
          assert.strictEqual(bodies.length, 30, "each message handled once")
          assert.strictEqual(new Set(bodies).size, 30)
          assert.strictEqual((yield* Consumer.summary(name)).duplicatesRisked, 0)
        })
      )

      it.effect("dead-letters again after a failed lookup of the dead-letter queue", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("dlq-lookup")
          server.createQueue({ name, deadLetter: { maxReceiveCount: 5 } })
          // Resolved (and cached) now, so that the failure injected below hits the DLQ's lookup only.
          yield* (yield* Queues.Queues).resolve(name)
          const seen = yield* Ref.make(0)
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              (message) =>
                Ref.update(seen, (n) => n + 1).pipe(
                  Effect.andThen(Effect.fail(new Consumer.DeadLetter({ reason: `poison ${message.body}` })))
                ),
              { waitTime: "1 second", retryDelay: Schedule.spaced("100 millis") }
            )
          )
          // The first poison message finds the DLQ lookup failing: it is retried later instead.
          server.injectFaults({ action: "GetQueueUrl", requestFailureRate: 1, times: 1 })
          yield* (yield* Producer.Producer).send(name, "first")
          yield* eventually(() => server.inspect(`${name}-dlq`)?.ready === 1, "the first message in the DLQ")
          assert.isAtLeast(yield* Ref.get(seen), 2, "the first attempt could not dead-letter it")
          // A later poison message still goes to the DLQ: the failure was not kept.
          yield* (yield* Producer.Producer).send(name, "second")
          yield* eventually(() => server.inspect(`${name}-dlq`)?.ready === 2, "the second message in the DLQ")
          yield* Fiber.interrupt(consumer)
          server.clearFaults()
          assert.deepStrictEqual(server.inspect(name), { ready: 0, delayed: 0, inFlight: 0 })
        })
      )
    }
  )
}

layer(Layer.empty, { excludeTestServices: true })("Consumer engine and its endpoint", (it) => {
  it.effect("logs receive errors and resumes by itself when the endpoint comes back", () =>
    Effect.gen(function* () {
      const name = "comeback"
      const first = yield* Effect.promise(() => start({ queues: [{ name }] }))
      const port = first.port
      const services = QueueServices.layer({ endpoint: first.endpoint, retrySchedule: noRetry })
      const logs = capturedLogs()
      yield* Effect.gen(function* () {
        const { bodies, record } = yield* recorder(2)
        const consumer = yield* Effect.forkChild(
          Consumer.run(name, (message) => record(message.body), {
            waitTime: "1 second",
            receiveRetrySchedule: Schedule.spaced("100 millis")
          })
        )
        const producer = yield* Producer.Producer
        yield* producer.send(name, "before")
        yield* Effect.sleep("500 millis")
        yield* Effect.promise(() => first.stop())
        yield* Effect.sleep("700 millis")
        const second = yield* Effect.promise(() => start({ port, queues: [{ name }] }))
        yield* producer.send(name, "after")
        yield* Effect.sleep("1500 millis")
        yield* Fiber.interrupt(consumer)
        yield* Effect.promise(() => second.stop())
        assert.deepStrictEqual(yield* Ref.get(bodies), ["before", "after"])
        assert.isTrue(
          logs.lines.some((line) =>
            /^WARN receive failed, retrying: cannot reach SQS at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)$/.test(
              line
            )
          ),
          `the receive errors were logged: ${logs.lines.join(" | ")}`
        )
      }).pipe(Effect.provide(Layer.merge(services, logs.layer)))
    })
  )
})
