/**
 * Redrive against a local SQS over HTTP: what it refuses before any message moves (a target that
 * is the source itself, a target of the other queue type unless allowed), what a move between
 * the types sends, and a redrive that ends after the count the dead-letter queue held at its
 * start while messages keep arriving.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { LargePayloads, Peek, Producer, type Queues, Redrive, SqsClient } from "../src/index.ts"
import { resendEntry } from "../src/internal/consumer/model.ts"
import { LocalSqs, LocalSqsServices, uniqueName } from "./fixtures.ts"

/** A standard queue of its own holding `bodies`. */
const standardWith = (prefix: string, bodies: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const server = yield* LocalSqs
    const created = server.createQueue({ name: uniqueName(prefix) })
    if (bodies.length > 0) server.enqueue(created.name, bodies)
    return created
  })

/** A FIFO queue of its own holding `bodies`, sent in that order in one message group. */
const fifoWith = (prefix: string, bodies: ReadonlyArray<string>, attributes?: Record<string, string>) =>
  Effect.gen(function* () {
    const server = yield* LocalSqs
    const created = server.createQueue({
      name: `${uniqueName(prefix)}.fifo`,
      ...(attributes === undefined ? {} : { attributes })
    })
    if (bodies.length > 0) {
      yield* (yield* Producer.Producer).sendBatch(
        created.name,
        bodies.map((body, i) => ({ body, groupId: "job-1", deduplicationId: `d-${i}` }))
      )
    }
    return created
  })

/** Every message of a queue, in the order received, with its system attributes: received and deleted. */
const drain = (url: string) =>
  Effect.gen(function* () {
    const sqs = yield* SqsClient.SqsClient
    const all: Array<{ body: string; attributes: Record<string, string> }> = []
    while (true) {
      const received = yield* sqs.receiveMessage({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["All"]
      })
      const messages = received.Messages ?? []
      if (messages.length === 0) return all
      all.push(...messages.map((m) => ({ body: m.Body ?? "", attributes: m.Attributes ?? {} })))
      // Deleted, so that a FIFO queue hands out the group's next messages.
      yield* sqs.deleteMessageBatch({
        QueueUrl: url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" }))
      })
    }
  })

/** The actions that would move a message: none may be sent by a refused redrive. */
const MOVING_ACTIONS = [
  "ReceiveMessage",
  "SendMessageBatch",
  "DeleteMessageBatch",
  "ChangeMessageVisibilityBatch"
]

layer(LocalSqsServices, { excludeTestServices: true })("Redrive (local SQS over HTTP)", (it) => {
  it.effect(
    "refuses a target that is the dead-letter queue itself, however it is spelled, before any message moves",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const dlq = yield* standardWith("self-dlq", ["a", "b", "c", "d", "e"])
        // The same queue by ARN, and by another spelling of its URL (localhost for 127.0.0.1).
        for (const to of [dlq.name, dlq.arn, `http://localhost:${server.port}/000000000000/${dlq.name}`]) {
          server.resetRequestCounts()
          const error = yield* Effect.flip(Redrive.redrive(dlq.url, { to }))
          assert.strictEqual(error._tag, "InvalidRedrive")
          if (error._tag !== "InvalidRedrive") return
          assert.strictEqual(error.reason, "SameQueue")
          assert.strictEqual(
            error.message,
            `cannot redrive ${dlq.name} into itself: every batch would go back where it came from; name another queue to move its messages to`
          )
          for (const action of MOVING_ACTIONS) assert.isUndefined(server.requestCounts()[action], action)
        }
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 5, delayed: 0, inFlight: 0 })
      })
  )

  it.effect(
    "refuses a redrive from a standard queue to a FIFO queue without allowTypeChange, moving nothing",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const dlq = yield* standardWith("std-dlq", ["a", "b", "c"])
        const target = yield* fifoWith("fifo-target", [])
        server.resetRequestCounts()
        const error = yield* Effect.flip(Redrive.redrive(dlq.name, { to: target.name }))
        assert.strictEqual(error._tag, "InvalidRedrive")
        if (error._tag !== "InvalidRedrive") return
        assert.strictEqual(error.reason, "TypeChange")
        assert.strictEqual(
          error.message,
          `${dlq.name} is a standard queue and ${target.name} a FIFO queue: SQS keeps dead letters in a queue of ` +
            "their own type; allow a move between the types with allowTypeChange (each message becomes a group of its own)"
        )
        for (const action of MOVING_ACTIONS) assert.isUndefined(server.requestCounts()[action], action)
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 3, delayed: 0, inFlight: 0 })
        assert.deepStrictEqual(server.inspect(target.name), { ready: 0, delayed: 0, inFlight: 0 })
      })
  )

  it.effect(
    "refuses a redrive from a FIFO queue to a standard queue without allowTypeChange, moving nothing",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const dlq = yield* fifoWith("fifo-dlq", ["a", "b", "c"])
        const target = yield* standardWith("std-target", [])
        server.resetRequestCounts()
        const error = yield* Effect.flip(
          Redrive.redrive(dlq.name, { to: target.name, allowTypeChange: false })
        )
        assert.strictEqual(error._tag, "InvalidRedrive")
        if (error._tag !== "InvalidRedrive") return
        assert.strictEqual(error.reason, "TypeChange")
        assert.strictEqual(
          error.message,
          `${dlq.name} is a FIFO queue and ${target.name} a standard queue: SQS keeps dead letters in a queue of ` +
            "their own type; allow a move between the types with allowTypeChange (their order and deduplication are lost)"
        )
        for (const action of MOVING_ACTIONS) assert.isUndefined(server.requestCounts()[action], action)
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 3, delayed: 0, inFlight: 0 })
        assert.deepStrictEqual(server.inspect(target.name), { ready: 0, delayed: 0, inFlight: 0 })
      })
  )

  it.effect(
    "with allowTypeChange, moves a standard queue's messages to a FIFO queue, each in a group of its own deduplicated by its id",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        // Two equal bodies: content-based deduplication on the target must not merge them.
        const dlq = yield* standardWith("std-dlq", ["same", "same", "other"])
        const target = yield* fifoWith("fifo-target", [], { ContentBasedDeduplication: "true" })
        const ids = (yield* Peek.peek(dlq.name, 10)).map((m) => m.messageId)
        const result = yield* Redrive.redrive(dlq.name, { to: target.name, allowTypeChange: true })
        assert.strictEqual(result.moved, 3)
        assert.strictEqual(result.failed, 0)
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 0, delayed: 0, inFlight: 0 })
        const moved = yield* drain(target.url)
        assert.deepStrictEqual(moved.map((m) => m.body).toSorted(), ["other", "same", "same"])
        assert.deepStrictEqual(moved.map((m) => m.attributes.MessageGroupId).toSorted(), ids.toSorted())
        for (const m of moved)
          assert.strictEqual(m.attributes.MessageDeduplicationId, m.attributes.MessageGroupId)
      })
  )

  it.effect(
    "with allowTypeChange, moves a FIFO queue's messages to a standard queue, without group or deduplication ids",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const bodies = Array.from({ length: 12 }, (_, i) => `step ${i}`)
        const dlq = yield* fifoWith("fifo-dlq", bodies)
        const target = yield* standardWith("std-target", [])
        const result = yield* Redrive.redrive(dlq.name, { to: target.name, allowTypeChange: true })
        assert.strictEqual(result.moved, 12)
        assert.strictEqual(result.failed, 0)
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 0, delayed: 0, inFlight: 0 })
        const moved = yield* drain(target.url)
        assert.deepStrictEqual(moved.map((m) => m.body).toSorted(), bodies.toSorted())
        for (const m of moved) {
          assert.isUndefined(m.attributes.MessageGroupId)
          assert.isUndefined(m.attributes.MessageDeduplicationId)
        }
      })
  )

  it.effect("keeps a FIFO message group and its order when both queues are FIFO", () =>
    Effect.gen(function* () {
      const bodies = Array.from({ length: 15 }, (_, i) => `step ${i}`)
      const dlq = yield* fifoWith("fifo-dlq", bodies)
      const target = yield* fifoWith("fifo-target", [])
      const result = yield* Redrive.redrive(dlq.name, { to: target.name })
      assert.strictEqual(result.moved, 15)
      const moved = yield* drain(target.url)
      assert.deepStrictEqual(
        moved.map((m) => m.body),
        bodies
      )
      for (const m of moved) assert.strictEqual(m.attributes.MessageGroupId, "job-1")
    })
  )

  it.effect(
    "ends after moving the count the dead-letter queue held at its start, while new messages keep arriving",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const producer = yield* Producer.Producer
        const dlq = yield* standardWith(
          "busy-dlq",
          Array.from({ length: 25 }, (_, i) => `old ${i}`)
        )
        const target = yield* standardWith("busy-target", [])
        const seen: Array<{ moved: number; atStart: number }> = []
        // After each of the first 5 batches, 10 more dead letters arrive (as from a consumer
        // dead-lettering meanwhile): without a bound the redrive would move all 75.
        const result = yield* Redrive.redrive(dlq.name, {
          to: target.name,
          onProgress: (progress) =>
            Effect.gen(function* () {
              seen.push({ moved: progress.moved, atStart: progress.atStart })
              if (seen.length <= 5) {
                yield* producer.sendBatch(
                  dlq.name,
                  Array.from({ length: 10 }, (_, i) => `new ${seen.length}.${i}`)
                )
              }
            }).pipe(Effect.orDie)
        })
        assert.strictEqual(result.atStart, 25)
        assert.strictEqual(result.moved, 25)
        assert.deepStrictEqual(seen, [
          { moved: 10, atStart: 25 },
          { moved: 20, atStart: 25 },
          { moved: 25, atStart: 25 }
        ])
        assert.strictEqual(server.inspect(target.name)?.ready, 25)
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 30, delayed: 0, inFlight: 0 })
      })
  )

  it.effect(
    "counts a message the target refuses once: it stays in the dead-letter queue and the redrive still ends",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const dlq = yield* standardWith("refused-dlq", [
          "x".repeat(2_000),
          ...Array.from({ length: 14 }, (_, i) => `small ${i}`)
        ])
        // A target that takes at most 1 KiB a message refuses the first.
        const target = server.createQueue({
          name: uniqueName("small-target"),
          attributes: { MaximumMessageSize: "1024" }
        })
        const result = yield* Redrive.redrive(dlq.name, { to: target.name })
        assert.strictEqual(result.atStart, 15)
        assert.strictEqual(result.moved, 14)
        assert.strictEqual(result.failed, 1)
        assert.strictEqual(result.failures.length, 1)
        assert.match(result.failures[0]!.reason, /^InvalidParameterValue: /)
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 1, delayed: 0, inFlight: 0 })
        assert.strictEqual(server.inspect(target.name)?.ready, 14)
      })
  )

  it.effect(
    "with a read policy, keeps in the dead-letter queue a pointer a consumer would refuse, moves the rest, and reads no object",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const sqs = yield* SqsClient.SqsClient
        const dlq = yield* standardWith("pointer-dlq", [])
        const target = yield* standardWith("pointer-target", [])
        const hostile = LargePayloads.encodePointer({ bucket: "victim", key: "secret.txt" })
        // More refused pointers than one batch holds, sent first: the plain ones behind them still move.
        for (let i = 0; i < 12; i++)
          yield* sqs.sendMessage({
            QueueUrl: dlq.url,
            MessageBody: hostile,
            MessageAttributes: { ExtendedPayloadSize: { DataType: "Number", StringValue: "10" } }
          })
        server.enqueue(dlq.name, ["plain 1", "plain 2", "plain 3"])
        server.resetRequestCounts()
        const result = yield* Redrive.redrive(dlq.name, {
          to: target.name,
          payloads: { buckets: ["bgcheck-payloads"], maxBytes: 1024 }
        })
        assert.strictEqual(result.atStart, 15)
        assert.strictEqual(result.moved, 3)
        assert.strictEqual(result.failed, 12)
        assert.strictEqual(
          result.failures[0]?.reason,
          "not moved: its body is said to be at s3://victim/secret.txt, and victim is not a payload bucket of this consumer (bgcheck-payloads)"
        )
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 12, delayed: 0, inFlight: 0 })
        assert.sameMembers(
          (yield* drain(target.url)).map((message) => message.body),
          ["plain 1", "plain 2", "plain 3"]
        )
        assert.deepStrictEqual(
          Object.keys(server.requestCounts()).filter((action) => action.startsWith("S3.")),
          []
        )
      })
  )

  it.effect("moves nothing from an empty dead-letter queue", () =>
    Effect.gen(function* () {
      const dlq = yield* standardWith("empty-dlq", [])
      const target = yield* standardWith("empty-target", [])
      const result = yield* Redrive.redrive(dlq.name, { to: target.name })
      assert.strictEqual(result.atStart, 0)
      assert.strictEqual(result.moved, 0)
    })
  )
})

describe("resendEntry", () => {
  const standard: Queues.Queue = {
    name: "jobs-dlq",
    url: "http://127.0.0.1:4566/000000000000/jobs-dlq",
    arn: "arn:aws:sqs:us-east-1:000000000000:jobs-dlq",
    fifo: false,
    contentBasedDeduplication: false,
    maximumMessageSize: 1_048_576,
    visibilityTimeout: Duration.seconds(30),
    redrivePolicy: Option.none()
  }
  const fifo: Queues.Queue = {
    ...standard,
    name: "jobs.fifo",
    url: "http://127.0.0.1:4566/000000000000/jobs.fifo",
    arn: "arn:aws:sqs:us-east-1:000000000000:jobs.fifo",
    fifo: true
  }
  const message = (queue: Queues.Queue, groupId: string | undefined) => ({
    messageId: "m-1",
    body: "hello",
    receiptHandle: "r-1",
    receiveCount: 1,
    groupId,
    attributes: {},
    messageAttributes: {},
    queue
  })

  it("gives a standard queue's message a group of its own on a FIFO target, even with a fair-queue tenant", () => {
    const entry = resendEntry(message(standard, "tenant-a"), fifo)
    assert.strictEqual(entry.MessageGroupId, "m-1")
    assert.strictEqual(entry.MessageDeduplicationId, "m-1")
  })

  it("keeps a FIFO message's group on a FIFO target", () => {
    const entry = resendEntry(message(fifo, "job-1"), fifo)
    assert.strictEqual(entry.MessageGroupId, "job-1")
    assert.strictEqual(entry.MessageDeduplicationId, "m-1")
  })

  it("sends neither a group nor a deduplication id to a standard target", () => {
    const entry = resendEntry(message(fifo, "job-1"), standard)
    assert.isFalse("MessageGroupId" in entry)
    assert.isFalse("MessageDeduplicationId" in entry)
  })
})
