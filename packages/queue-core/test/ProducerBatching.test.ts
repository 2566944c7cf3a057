/**
 * Automatic batching, partial failures and bulk sends against a local SQS over HTTP, with faults
 * injected by the server.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Ref, Schedule, Schema, Stream } from "effect"
import { Producer, Queues, SqsClient } from "../src/index.ts"
import { LocalSqs, LocalSqsServices, uniqueName } from "./fixtures.ts"

const freshQueue = Effect.gen(function* () {
  const server = yield* LocalSqs
  const name = uniqueName("produce")
  server.createQueue({ name })
  server.resetRequestCounts()
  return { server, name }
})

layer(LocalSqsServices, { excludeTestServices: true })("Producer batching (local SQS over HTTP)", (it) => {
  it.effect("groups concurrent sends into SendMessageBatch requests, each caller getting its own id", () =>
    Effect.gen(function* () {
      const { server, name } = yield* freshQueue
      const producer = yield* Producer.Producer
      const sent = yield* Effect.forEach(
        Array.from({ length: 25 }, (_, i) => `message ${i}`),
        (body) => producer.send(name, body),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(new Set(sent.map((s) => s.messageId)).size, 25)
      // One lookup of the queue for all 25 callers, then three batches.
      assert.deepStrictEqual(server.requestCounts(), {
        GetQueueUrl: 1,
        GetQueueAttributes: 1,
        SendMessageBatch: 3
      })
      assert.strictEqual(server.inspect(name)?.ready, 25)
    })
  )

  it.effect("fails only the invalid message of concurrent sends", () =>
    Effect.gen(function* () {
      const { server, name } = yield* freshQueue
      const producer = yield* Producer.Producer
      const exits = yield* Effect.forEach(
        ["ok 1", "bad \u0000", "ok 2"],
        (body) => Effect.exit(producer.send(name, body)),
        {
          concurrency: "unbounded"
        }
      )
      assert.deepStrictEqual(
        exits.map((exit) => exit._tag),
        ["Success", "Failure", "Success"]
      )
      assert.strictEqual(server.inspect(name)?.ready, 2)
    })
  )

  it.effect("retries entries SQS failed on its side until all are sent, exactly once", () =>
    Effect.gen(function* () {
      const { server, name } = yield* freshQueue
      server.injectFaults({ action: "SendMessageBatch", entryFailureRate: 0.3 })
      const producer = yield* Producer.Producer
      const outcomes = yield* producer
        .sendBatch(
          name,
          Array.from({ length: 100 }, (_, i) => `message ${i}`)
        )
        .pipe(Effect.ensuring(Effect.sync(() => server.clearFaults())))
      assert.deepStrictEqual(
        outcomes.filter((outcome) => outcome._tag === "Failed"),
        []
      )
      assert.isAbove(server.requestCounts().SendMessageBatch ?? 0, 10, "some entries needed another request")
      assert.strictEqual(server.inspect(name)?.ready, 100, "no message lost or duplicated")
    })
  )

  it.effect(
    "sends a stream batch by batch, retrying the entries SQS failed on its side, each message once",
    () =>
      Effect.gen(function* () {
        const { server, name } = yield* freshQueue
        server.injectFaults({ action: "SendMessageBatch", entryFailureRate: 0.3 })
        const summary = yield* (yield* Producer.Producer)
          .sendAll(name, Stream.range(1, 500), { toMessage: (n) => `message ${n}`, concurrency: 4 })
          .pipe(Effect.ensuring(Effect.sync(() => server.clearFaults())))
        assert.deepStrictEqual([summary.sent, summary.failed], [500, 0])
        assert.isAbove(
          server.requestCounts().SendMessageBatch ?? 0,
          50,
          "some entries needed another request"
        )
        assert.strictEqual(server.inspect(name)?.ready, 500, "no message lost or duplicated")
      })
  )

  it.effect("reports entries failed by the sender's fault with SQS's code, without retrying them", () =>
    Effect.gen(function* () {
      const { server, name } = yield* freshQueue
      let draws = 0
      server.injectFaults({
        action: "SendMessageBatch",
        entryFailureRate: 0.5,
        code: "InvalidMessageContents",
        senderFault: true,
        // Every fourth entry fails.
        random: () => (draws++ % 4 === 3 ? 0 : 1)
      })
      const producer = yield* Producer.Producer
      const outcomes = yield* producer
        .sendBatch(
          name,
          Array.from({ length: 20 }, (_, i) => `message ${i}`)
        )
        .pipe(Effect.ensuring(Effect.sync(() => server.clearFaults())))
      const failed = outcomes.filter((outcome) => outcome._tag === "Failed")
      assert.strictEqual(failed.length, 5)
      for (const outcome of failed) {
        assert.deepInclude(outcome, {
          code: "InvalidMessageContents",
          message: "injected fault",
          senderFault: true
        })
      }
      assert.strictEqual(server.requestCounts().SendMessageBatch, 2, "not retried")
      assert.strictEqual(server.inspect(name)?.ready, 15)
    })
  )

  it.effect("sends a stream with bounded concurrency and reports progress", () =>
    Effect.gen(function* () {
      const { server, name } = yield* freshQueue
      const producer = yield* Producer.Producer
      const seen = yield* Ref.make<Array<number>>([])
      const summary = yield* producer.sendAll(name, Stream.range(1, 1000), {
        toMessage: (n) => (n === 500 ? "" : `message ${n}`),
        concurrency: 4,
        onProgress: (progress) => Ref.update(seen, (all) => [...all, progress.sent + progress.failed])
      })
      assert.strictEqual(summary.sent, 999)
      assert.strictEqual(summary.failed, 1)
      assert.deepStrictEqual(summary.failures, [
        { item: 500, code: "InvalidMessage", message: "the body is empty" }
      ])
      // Sent to its end: the whole stream is the answered prefix.
      assert.deepInclude(summary, { stopped: false, answeredPrefix: 1000, sentAfterPrefix: 0, abandoned: 0 })
      assert.deepStrictEqual(summary.lastOfPrefix, Option.some(1000))
      // Progress comes once per batch of up to 10, rising to the total.
      const reports = yield* Ref.get(seen)
      assert.strictEqual(reports.at(-1), 1000)
      for (const [i, count] of reports.entries()) {
        const step = count - (reports[i - 1] ?? 0)
        assert.isTrue(step >= 1 && step <= 10, `step ${step} at report ${i}`)
      }
      assert.strictEqual(server.inspect(name)?.ready, 999)
      // Gathered ten at a time: 100 requests (one batch has the invalid message's nine).
      assert.isAtMost(server.requestCounts().SendMessageBatch ?? 0, 101)
    })
  )

  it.effect("accepts a group id on a standard queue, where it marks a fair-queue tenant", () =>
    Effect.gen(function* () {
      const { server, name } = yield* freshQueue
      const producer = yield* Producer.Producer
      const outcomes = yield* producer.sendBatch(name, [
        { body: "tenant a", groupId: "tenant-a" },
        { body: "tenant b", groupId: "tenant-b" }
      ])
      assert.deepStrictEqual(
        outcomes.map((outcome) => outcome._tag),
        ["Sent", "Sent"]
      )
      // The local SQS stores them but does not model fair queues (it does not hand the group
      // id back on standard queues), so only acceptance can be checked here.
      assert.strictEqual(server.inspect(name)?.ready, 2)
    })
  )

  it.effect("encodes typed bodies with a schema", () =>
    Effect.gen(function* () {
      const { name } = yield* freshQueue
      const Job = Schema.Struct({ jobId: Schema.String, attempts: Schema.Number })
      const sendJob = Producer.json(Job)
      const sent = yield* sendJob(name, { jobId: "j-1", attempts: 2 })
      assert.isString(sent.messageId)
      const queues = yield* Queues.Queues
      const sqs = yield* SqsClient.SqsClient
      const received = yield* sqs.receiveMessage({ QueueUrl: (yield* queues.resolve(name)).url })
      assert.deepStrictEqual(JSON.parse(received.Messages?.[0]?.Body ?? ""), { jobId: "j-1", attempts: 2 })
    })
  )

  it.effect("retries whole requests SQS failed with a 5xx when the client retries", () =>
    Effect.gen(function* () {
      const { server, name } = yield* freshQueue
      let draws = 0
      server.injectFaults({
        action: "SendMessageBatch",
        requestFailureRate: 0.5,
        random: () => (draws++ < 2 ? 0 : 1)
      })
      // Fresh layers: the test's own Producer and Queues would otherwise be shared (memoized).
      const retrying = Layer.fresh(Producer.layer).pipe(
        Layer.provideMerge(Layer.fresh(Queues.layer)),
        Layer.provideMerge(SqsClient.layer({ endpoint: server.endpoint, retrySchedule: Schedule.recurs(3) }))
      )
      const exit = yield* Effect.exit(
        Effect.flatMap(Producer.Producer, (producer) => producer.send(name, "after two 500s")).pipe(
          Effect.provide(retrying),
          Effect.ensuring(Effect.sync(() => server.clearFaults()))
        )
      )
      assert.isTrue(Exit.isSuccess(exit), String(exit))
      assert.strictEqual(server.requestCounts().SendMessageBatch, 3)
      assert.strictEqual(server.inspect(name)?.ready, 1)
    })
  )
})
