import { LocalSqsServices } from "@bgcheck/app-kit/testing"
import { Consumer, Producer, Queues } from "@bgcheck/queue-core"
import { assert, describe, it, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Layer, Option, Ref } from "effect"
import { TestClock } from "effect/testing"
import { report, type StatusUpdate } from "../src/report.ts"

/** A producer that records what it is asked to send, and when. */
const recordingProducer = (fifo: boolean) =>
  Effect.gen(function* () {
    const sent = yield* Ref.make<Array<{ at: number; message: Producer.Sent & Record<string, unknown> }>>([])
    const queue: Queues.Queue = {
      name: fifo ? "jobs.fifo" : "jobs",
      url: "http://127.0.0.1:4566/000000000000/jobs",
      arn: "arn:aws:sqs:us-east-1:000000000000:jobs",
      fifo,
      contentBasedDeduplication: false,
      maximumMessageSize: 1_048_576,
      visibilityTimeout: Duration.seconds(30),
      redrivePolicy: Option.none()
    }
    const layer = Layer.mergeAll(
      Layer.succeed(Queues.Queues, {
        resolve: () => Effect.succeed(queue),
        list: () => Effect.succeed([]),
        describe: () => Effect.die("unused"),
        create: () => Effect.die("unused"),
        purge: () => Effect.die("unused")
      }),
      Layer.succeed(Producer.Producer, {
        send: (_queue, message) =>
          Effect.gen(function* () {
            const at = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
            const entry = typeof message === "string" ? { body: message } : message
            yield* Ref.update(sent, (all) => [
              ...all,
              { at, message: { messageId: `m${all.length}`, ...entry } }
            ])
            return { messageId: "m" }
          }),
        sendBatch: () => Effect.die("unused"),
        sendAll: () => Effect.die("unused"),
        validate: () => Effect.succeed({ size: 0, throughS3: false }),
        validator: () => Effect.die("unused")
      })
    )
    return { sent, layer }
  })

describe("report", () => {
  it.effect("sends the three statuses an interval apart, in order, with the job id", () =>
    Effect.gen(function* () {
      const { sent, layer } = yield* recordingProducer(false)
      const fiber = yield* Effect.forkChild(
        report({ queue: "jobs", jobId: "job-7", interval: "8 seconds" }).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Ref.get(sent)).length, 1)
      yield* TestClock.adjust("7 seconds")
      assert.strictEqual((yield* Ref.get(sent)).length, 2)
      yield* TestClock.adjust("8 seconds")
      yield* Fiber.join(fiber)
      const all = yield* Ref.get(sent)
      assert.deepStrictEqual(
        all.map((entry) => entry.at),
        [0, 8_000, 16_000]
      )
      const bodies = all.map((entry) => JSON.parse(entry.message.body as string) as StatusUpdate)
      assert.deepStrictEqual(
        bodies.map((body) => [body.jobId, body.sequence, body.status]),
        [
          ["job-7", 1, "not-started"],
          ["job-7", 2, "started"],
          ["job-7", 3, "completed"]
        ]
      )
      assert.isUndefined(all[0]?.message.groupId)
    })
  )

  it.effect("on a FIFO queue groups by job id and deduplicates by job id and status", () =>
    Effect.gen(function* () {
      const { sent, layer } = yield* recordingProducer(true)
      const fiber = yield* Effect.forkChild(
        report({ queue: "jobs.fifo", jobId: "job-8", interval: "1 second" }).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      const all = yield* Ref.get(sent)
      assert.deepStrictEqual(
        all.map((entry) => [entry.message.groupId, entry.message.deduplicationId]),
        [
          ["job-8", "job-8:not-started"],
          ["job-8", "job-8:started"],
          ["job-8", "job-8:completed"]
        ]
      )
    })
  )
})

layer(LocalSqsServices, { excludeTestServices: true })("report (local SQS over HTTP)", (it) => {
  it.effect("a consumer receives the three statuses in order, with the job id", () =>
    Effect.gen(function* () {
      const received = yield* Ref.make<Array<StatusUpdate>>([])
      const done = yield* Deferred.make<void>()
      const consumer = yield* Effect.forkChild(
        Consumer.run(
          "BackgroundCheckApp",
          (message) =>
            Ref.updateAndGet(received, (all) => [...all, JSON.parse(message.body) as StatusUpdate]).pipe(
              Effect.flatMap((all) => (all.length === 3 ? Deferred.succeed(done, undefined) : Effect.void))
            ),
          { waitTime: "1 second", maxInFlight: 1 }
        )
      )
      yield* report({ queue: "BackgroundCheckApp", jobId: "job-42", interval: "50 millis" })
      yield* Deferred.await(done).pipe(Effect.timeout("10 seconds"))
      yield* Fiber.interrupt(consumer)
      const updates = yield* Ref.get(received)
      assert.deepStrictEqual(
        updates.map((update) => [update.jobId, update.sequence, update.status]),
        [
          ["job-42", 1, "not-started"],
          ["job-42", 2, "started"],
          ["job-42", 3, "completed"]
        ]
      )
    })
  )
})
