/**
 * Pointers written by whoever can send to the queue, against the local SQS's SQS, S3 and SNS over
 * HTTP, at 0 ms and at a real region's 20 ms: a consumer reads and deletes objects only in the
 * buckets it is configured for, reads no more than the message declares, and dead-letters the
 * rest with a one-line reason, touching nothing.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { vi } from "vitest"
import { LargePayloads, PayloadStore, SqsClient } from "../src/index.ts"
import { JAVA_KEY } from "./fixtures/extendedClients.ts"
import {
  BUCKET,
  bodyOf,
  consume,
  MiB,
  payloadServicesAt,
  receiveRaw,
  topicToQueue
} from "./fixtures/payloads.ts"
import { capturedLogs, LATENCIES, LocalSqs, uniqueName } from "./fixtures.ts"

vi.setConfig({ testTimeout: 45_000 })

const VICTIM = "victim"
const SECRET = "the secret in another bucket"

/** The body and attribute any sender can write: a pointer to `bucket/key` declaring `size` bytes. */
const pointerTo = (bucket: string, key: string, size = 10) => ({
  MessageBody: LargePayloads.encodePointer({ bucket, key }),
  MessageAttributes: { ExtendedPayloadSize: { DataType: "Number", StringValue: String(size) } }
})

/** Sends `messages` as they are (no producer in between) to a new queue with a dead-letter queue. */
const queueWith = (messages: ReadonlyArray<{ MessageBody: string; MessageAttributes?: object }>) =>
  Effect.gen(function* () {
    const server = yield* LocalSqs
    const sqs = yield* SqsClient.SqsClient
    const queue = server.createQueue({ name: uniqueName("hostile"), deadLetter: { maxReceiveCount: 5 } })
    for (const message of messages) yield* sqs.sendMessage({ QueueUrl: queue.url, ...message } as never)
    return { ...queue, dlq: server.deadLetterQueueOf(queue.name) }
  })

/** Waits until the queue holds `count` visible messages, then receives them as SQS holds them. */
const deadLettered = (dlq: { readonly name: string; readonly url: string }, count: number) =>
  Effect.gen(function* () {
    const server = yield* LocalSqs
    while ((server.inspect(dlq.name)?.ready ?? 0) < count) yield* Effect.sleep("20 millis")
    const received = []
    while (received.length < count) received.push(...(yield* receiveRaw(dlq.url)))
    return received
  }).pipe(Effect.timeout("20 seconds"))

/** A victim's object in the local S3, put by the test (not through the consumer's store). */
const plantSecret = Effect.gen(function* () {
  const server = yield* LocalSqs
  server.createBucket(VICTIM)
  yield* (yield* PayloadStore.PayloadStore).put({ bucket: VICTIM, key: "secret.txt" }, SECRET)
})

const s3Requests = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .filter(([action]) => action.startsWith("S3."))
    .reduce((total, [, count]) => total + count, 0)

for (const latencyMs of LATENCIES) {
  layer(payloadServicesAt(latencyMs), { excludeTestServices: true })(
    `Pointers from anyone who can send (local SQS over HTTP, ${latencyMs} ms)`,
    (it) => {
      it.effect(
        "a pointer into another bucket, or to a bucket S3 could not have, is poison: to the DLQ naming it, no S3 request made",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            yield* plantSecret
            const foreign = pointerTo(VICTIM, "secret.txt")
            const invalid = pointerTo("Victim", "secret.txt")
            const queue = yield* queueWith([foreign, invalid, { MessageBody: "plain" }])
            server.resetRequestCounts()
            const logs = capturedLogs()

            const handled = yield* consume(queue.name, 1).pipe(Effect.provide(logs.layer))
            const moved = yield* deadLettered(queue.dlq, 2)

            assert.deepStrictEqual(
              handled.map((message) => message.body),
              ["plain"]
            )
            assert.sameMembers(
              moved.map((message) => message.Body),
              [foreign.MessageBody, invalid.MessageBody]
            )
            assert.strictEqual(s3Requests(server.requestCounts()), 0, "the consumer asked S3 for nothing")
            assert.deepStrictEqual(server.objectKeys(VICTIM), ["secret.txt"])
            assert.isFalse(logs.lines.some((line) => line.includes(SECRET)))
            assert.isTrue(
              logs.lines.some((line) =>
                line.endsWith(
                  "its body is said to be at s3://victim/secret.txt, and victim is not a payload bucket of this consumer (test-payloads)"
                )
              ),
              logs.lines.join("\n")
            )
            assert.isTrue(
              logs.lines.some((line) =>
                line.includes('its pointer names "Victim", which is not an S3 bucket name')
              ),
              logs.lines.join("\n")
            )
          })
      )

      it.effect(
        "through an SNS envelope the same: the inner pointer into another bucket is poison, nothing read or deleted",
        () =>
          Effect.scoped(
            Effect.gen(function* () {
              const server = yield* LocalSqs
              yield* plantSecret
              const { queue, publish } = yield* topicToQueue
              const foreign = pointerTo(VICTIM, "secret.txt")
              yield* publish({ Message: foreign.MessageBody, MessageAttributes: foreign.MessageAttributes })
              yield* publish({
                Message: "plain",
                MessageAttributes: { kind: { DataType: "String", StringValue: "plain" } }
              })
              server.resetRequestCounts()

              const handled = yield* consume(queue.name, 1, { sns: "unwrap" })
              yield* deadLettered(server.deadLetterQueueOf(queue.name), 1)

              assert.deepStrictEqual(
                handled.map((message) => message.body),
                ["plain"]
              )
              assert.strictEqual(s3Requests(server.requestCounts()), 0)
              assert.deepStrictEqual(server.objectKeys(VICTIM), ["secret.txt"])
            })
          )
      )

      it.effect(
        "an object longer than its message declares is poison once that many bytes have come, and is kept",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const store = yield* PayloadStore.PayloadStore
            const key = JAVA_KEY
            yield* store.put({ bucket: BUCKET, key }, bodyOf(1, 5 * MiB))
            const queue = yield* queueWith([pointerTo(BUCKET, key, 10), { MessageBody: "plain" }])
            const logs = capturedLogs()

            yield* consume(queue.name, 1).pipe(Effect.provide(logs.layer))
            yield* deadLettered(queue.dlq, 1)

            assert.isTrue(
              logs.lines.some((line) =>
                line.endsWith(
                  `the object at s3://${BUCKET}/${key} is longer than the 10 bytes its message declares`
                )
              ),
              logs.lines.join("\n")
            )
            assert.deepStrictEqual(server.objectKeys(BUCKET), [key], "a message refused keeps its object")
            server.reset()
          })
      )

      it.effect(
        "a declared size over the consumer's limit, or a key outside its prefix, is poison without reading",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const store = yield* PayloadStore.PayloadStore
            const inPrefix = `payloads/${JAVA_KEY}`
            yield* store.put({ bucket: BUCKET, key: inPrefix }, "x".repeat(2000))
            yield* store.put({ bucket: BUCKET, key: "secret.txt" }, "small")
            const queue = yield* queueWith([
              pointerTo(BUCKET, inPrefix, 2000),
              pointerTo(BUCKET, "secret.txt", 5),
              pointerTo(BUCKET, inPrefix, 900),
              { MessageBody: "plain" }
            ])
            server.resetRequestCounts()
            const strict = PayloadStore.layer({
              buckets: [BUCKET],
              keyPrefix: "payloads/",
              maxPayloadBytes: 1000
            })
            const logs = capturedLogs()

            yield* consume(queue.name, 1).pipe(Effect.provide(Layer.mergeAll(strict, logs.layer)))
            yield* deadLettered(queue.dlq, 3)

            assert.strictEqual(
              server.requestCounts()["S3.GetObject"] ?? 0,
              1,
              "only the third pointer was read"
            )
            const text = logs.lines.join("\n")
            assert.include(text, `is 2000 bytes, over this consumer's limit of 1000 bytes`)
            assert.include(text, "a key its producer could not have written (keys are payloads/<uuid>)")
            assert.include(text, "is longer than the 900 bytes its message declares")
            assert.sameMembers([...server.objectKeys(BUCKET)!], [inPrefix, "secret.txt"])
            server.reset()
          })
      )
    }
  )
}
