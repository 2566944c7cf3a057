import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Producer, Queues, SqsClient } from "../src/index.ts"
import * as FakeSqs from "./fakeSqs.ts"
import { LocalSqs, LocalSqsServices, uniqueName } from "./fixtures.ts"

describe("Producer.chunk", () => {
  it("closes a batch at 10 entries", () => {
    const batches = Producer.chunk(Array.from({ length: 25 }, () => ({ size: 10 })))
    assert.deepStrictEqual(
      batches.map((batch) => batch.length),
      [10, 10, 5]
    )
  })

  it("closes a batch before it would pass 1 MiB in total", () => {
    const batches = Producer.chunk([{ size: 600_000 }, { size: 448_576 }, { size: 1 }])
    assert.deepStrictEqual(
      batches.map((batch) => batch.length),
      [2, 1]
    )
  })
})

describe("Producer, in virtual time", () => {
  /** A producer over a fake client whose SendMessageBatch takes a second, tracking requests at once. */
  const slowSends = (options: Producer.Options) =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make({
        latency: (action) => (action === "SendMessageBatch" ? "1 second" : 0)
      })
      let requests = 0
      let entries = 0
      const peak = { requests: 0, entries: 0 }
      const client = {
        ...sqs.client,
        sendMessageBatch: (input: any) =>
          Effect.suspend(() => {
            peak.requests = Math.max(peak.requests, ++requests)
            entries += input.Entries.length
            peak.entries = Math.max(peak.entries, entries)
            return sqs.client.sendMessageBatch(input)
          }).pipe(
            Effect.ensuring(
              Effect.sync(() => {
                requests--
                entries -= input.Entries.length
              })
            )
          )
      }
      const producer = yield* Producer.make(options).pipe(
        Effect.provide(Queues.layer.pipe(Layer.provideMerge(Layer.succeed(SqsClient.SqsClient, client))))
      )
      return { producer, peak }
    })

  it.effect("a stream keeps at most its concurrency of SendMessageBatch requests in flight", () =>
    Effect.gen(function* () {
      const { producer, peak } = yield* slowSends({})
      const sending = yield* Effect.forkChild(
        producer.sendAll("jobs", Stream.range(1, 200), { toMessage: (n) => `message ${n}`, concurrency: 4 })
      )
      yield* TestClock.adjust("1 minute")
      const summary = yield* Fiber.join(sending)
      assert.strictEqual(summary.sent, 200)
      assert.strictEqual(peak.requests, 4)
      assert.strictEqual(peak.entries, 40)
    })
  )

  it.effect("a batch keeps at most its concurrency of requests in flight, full requests of 10", () =>
    Effect.gen(function* () {
      const { producer, peak } = yield* slowSends({})
      const sending = yield* Effect.forkChild(
        producer.sendBatch(
          "jobs",
          Array.from({ length: 100 }, (_, i) => `message ${i}`),
          { concurrency: 3 }
        )
      )
      // 10 requests, 3 at a time, a second each.
      yield* TestClock.adjust("3 seconds")
      assert.isUndefined(sending.pollUnsafe(), "still sending after three rounds")
      yield* TestClock.adjust("1 second")
      const outcomes = yield* Fiber.join(sending)
      assert.strictEqual(outcomes.filter((outcome) => outcome._tag === "Sent").length, 100)
      assert.strictEqual(peak.requests, 3)
      assert.strictEqual(peak.entries, 30)
    })
  )

  it.effect("a stream's bound holds when its groups split into several requests (bodies over 1 MiB)", () =>
    Effect.gen(function* () {
      const { producer, peak } = yield* slowSends({})
      // 300 KB bodies: 3 to a request, so each group of 10 needs 4 requests.
      const body = "x".repeat(300_000)
      const sending = yield* Effect.forkChild(
        producer.sendAll("jobs", Stream.range(1, 40), { toMessage: () => body, concurrency: 2 })
      )
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(sending)).sent, 40)
      assert.strictEqual(peak.requests, 2)
    })
  )

  it.effect("never has more SendMessageBatch requests in flight than its own concurrency", () =>
    Effect.gen(function* () {
      const { producer, peak } = yield* slowSends({ concurrency: 2 })
      const sending = yield* Effect.forkChild(
        Effect.forEach(
          Array.from({ length: 100 }, (_, i) => `message ${i}`),
          (body) => producer.send("jobs", body),
          { concurrency: "unbounded" }
        )
      )
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(sending)).length, 100)
      assert.strictEqual(peak.requests, 2)
    })
  )
})

layer(LocalSqsServices, { excludeTestServices: true })("Producer (local SQS over HTTP)", (it) => {
  it.effect("sends one message and returns its id", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const name = uniqueName("send")
      server.createQueue({ name })
      const producer = yield* Producer.Producer
      const sent = yield* producer.send(name, "Hello World")
      assert.match(sent.messageId, /^[0-9a-f-]{36}$/)
      assert.strictEqual(server.inspect(name)?.ready, 1)
    })
  )

  it.effect("sends 25 messages in three batches, each outcome in input order", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const name = uniqueName("batch")
      server.createQueue({ name })
      const producer = yield* Producer.Producer
      const outcomes = yield* producer.sendBatch(
        name,
        Array.from({ length: 25 }, (_, i) => `message ${i}`)
      )
      assert.deepStrictEqual(
        outcomes.map((outcome) => [outcome._tag, outcome.index]),
        Array.from({ length: 25 }, (_, i) => ["Sent", i])
      )
      assert.strictEqual(new Set(outcomes.map((o) => (o._tag === "Sent" ? o.messageId : ""))).size, 25)
      assert.strictEqual(server.inspect(name)?.ready, 25)
    })
  )

  it.effect("sends nothing when one message of a batch is invalid, and says which one", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const name = uniqueName("half")
      server.createQueue({ name })
      const producer = yield* Producer.Producer
      const error = yield* Effect.flip(producer.sendBatch(name, ["fine", "also fine", "bad \u0000 byte"]))
      assert.strictEqual(error._tag, "InvalidMessage")
      assert.strictEqual(
        error.message,
        "message 3: the body has a character SQS rejects (U+0000 at index 4); allowed are tab, newline, " +
          "carriage return and Unicode from U+0020 except surrogates, U+FFFE and U+FFFF"
      )
      assert.strictEqual(server.inspect(name)?.ready, 0)
    })
  )

  it.effect("checks the body against the queue's own maximum size, read from the queue", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const name = uniqueName("small")
      server.createQueue({ name, attributes: { MaximumMessageSize: "1024" } })
      const producer = yield* Producer.Producer
      const error = yield* Effect.flip(producer.send(name, "x".repeat(1025)))
      assert.strictEqual(
        error.message,
        `the message is 1025 bytes, over the maximum of 1024 bytes for queue ${name}; a payload bucket stores larger ones in S3`
      )
      yield* producer.send(name, "x".repeat(1024))
      assert.strictEqual(server.inspect(name)?.ready, 1)
    })
  )

  it.effect("rejects a body over 1 MiB before sending", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const name = uniqueName("large")
      server.createQueue({ name })
      const producer = yield* Producer.Producer
      const error = yield* Effect.flip(producer.send(name, "é".repeat(524_289)))
      assert.strictEqual(error._tag, "InvalidMessage")
      assert.include(error.message, "1048578 bytes, over the maximum of 1048576 bytes")
      assert.strictEqual(server.inspect(name)?.ready, 0)
    })
  )

  it.effect("sends attributes, group and deduplication ids to a FIFO queue", () =>
    Effect.gen(function* () {
      const name = `${uniqueName("fifo")}.fifo`
      const queues = yield* Queues.Queues
      yield* queues.create({ name })
      const producer = yield* Producer.Producer
      const missingGroup = yield* Effect.flip(producer.send(name, { body: "x", deduplicationId: "d1" }))
      assert.strictEqual(missingGroup.message, `queue ${name} is FIFO: every message needs a group id`)
      const sent = yield* producer.send(name, {
        body: "status",
        groupId: "job-1",
        deduplicationId: "job-1:started",
        attributes: { status: "started", sequence: 2 }
      })
      assert.isDefined(sent.sequenceNumber)
      const sqs = yield* SqsClient.SqsClient
      const queue = yield* queues.resolve(name)
      const received = yield* sqs.receiveMessage({
        QueueUrl: queue.url,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["MessageGroupId"]
      })
      const message = received.Messages?.[0]
      assert.strictEqual(message?.Attributes?.MessageGroupId, "job-1")
      assert.deepStrictEqual(message?.MessageAttributes?.sequence, { DataType: "Number", StringValue: "2" })
    })
  )
})
