/**
 * Large payloads and SNS envelopes end to end, against the local SQS's SQS, S3 and SNS over HTTP,
 * at 0 ms and at a real region's 20 ms.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Ref, Schedule, Stream } from "effect"
import { vi } from "vitest"
import {
  Consumer,
  LargePayloads,
  OutgoingMessage,
  PayloadStore,
  Producer,
  Queues,
  SqsClient
} from "../src/index.ts"
import {
  JAVA_KEY,
  JAVA_V1_KEY,
  javaMessage,
  javaV1Message,
  PYTHON_KEY,
  pythonMessage,
  snsNotification
} from "./fixtures/extendedClients.ts"
import {
  BUCKET,
  bodyOf,
  consume,
  MiB,
  payloadServicesAt,
  receiveRaw,
  topicToQueue
} from "./fixtures/payloads.ts"
import { capturedLogs, eventually, LATENCIES, LocalSqs, recorder, uniqueName } from "./fixtures.ts"

// Megabyte bodies through S3 on a CI machine running the whole suite take far longer than alone
// (one test took over 20 s there).
vi.setConfig({ testTimeout: 90_000 })

for (const latencyMs of LATENCIES) {
  layer(payloadServicesAt(latencyMs), { excludeTestServices: true })(
    `Large payloads through S3 (local SQS over HTTP, ${latencyMs} ms)`,
    (it) => {
      it.effect(
        "a 5 MiB body goes to S3, the message is a pointer, the handler gets the body intact, the object is deleted after",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const name = uniqueName("large")
            const { url } = server.createQueue({ name })
            const large = bodyOf(1, 5 * MiB)
            const producer = yield* Producer.Producer
            const outcomes = yield* producer.sendBatch(name, [
              { body: large, attributes: { kind: "report" } },
              "small"
            ])
            assert.deepStrictEqual(
              outcomes.map((outcome) => outcome._tag),
              ["Sent", "Sent"]
            )
            const keys = server.objectKeys(BUCKET)!
            assert.strictEqual(keys.length, 1, "only the large body is stored")

            // As SQS holds it: the extended clients' pointer and size attribute, and the user's attribute.
            const raw = yield* receiveRaw(url)
            const pointer = raw.find((message) => message.Body !== "small")!
            assert.strictEqual(pointer.Body, LargePayloads.encodePointer({ bucket: BUCKET, key: keys[0]! }))
            assert.match(keys[0]!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
            assert.deepStrictEqual(pointer.MessageAttributes?.ExtendedPayloadSize, {
              DataType: "Number",
              StringValue: String(5 * MiB)
            })
            assert.strictEqual(pointer.MessageAttributes?.kind?.StringValue, "report")

            const handled = yield* consume(name, 2)
            const received = handled.find((message) => message.body !== "small")!
            assert.strictEqual(received.body.length, large.length)
            assert.isTrue(received.body === large, "the body is intact")
            assert.deepStrictEqual(Object.keys(received.messageAttributes), ["kind"])
            assert.deepStrictEqual(received.payload, { bucket: BUCKET, key: keys[0]! })
            assert.deepStrictEqual(server.objectKeys(BUCKET), [])
            assert.deepStrictEqual(server.inspect(name), { ready: 0, delayed: 0, inFlight: 0 })
          })
      )

      it.effect(
        "reads the messages Java's and Python's extended clients send (fixtures of their format)",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const store = yield* PayloadStore.PayloadStore
            const sqs = yield* SqsClient.SqsClient
            const { url, name } = server.createQueue({ name: uniqueName("interop") })
            const fixtures = [
              { key: JAVA_KEY, message: javaMessage(BUCKET, 300_000), body: bodyOf(1, 300_000) },
              { key: PYTHON_KEY, message: pythonMessage(BUCKET, 300_000), body: bodyOf(2, 300_000) },
              { key: JAVA_V1_KEY, message: javaV1Message(BUCKET, 300_000), body: bodyOf(3, 300_000) }
            ]
            for (const fixture of fixtures) {
              yield* store.put({ bucket: BUCKET, key: fixture.key }, fixture.body)
              yield* sqs.sendMessage({
                QueueUrl: url,
                MessageBody: fixture.message.body,
                MessageAttributes: fixture.message.attributes
              })
            }
            const handled = yield* consume(name, 3)
            assert.deepStrictEqual(
              handled.map((message) => message.body).toSorted(),
              fixtures.map((fixture) => fixture.body).toSorted()
            )
            for (const message of handled) assert.deepStrictEqual(message.messageAttributes, {})
            assert.deepStrictEqual(server.objectKeys(BUCKET), [])
          })
      )

      it.effect("a pointer whose object is gone is poison: to the DLQ at once, pointer intact", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const sqs = yield* SqsClient.SqsClient
          const { url, name } = server.createQueue({
            name: uniqueName("gone"),
            deadLetter: { maxReceiveCount: 5 }
          })
          const message = pythonMessage(BUCKET, 300_000)
          yield* sqs.sendMessage({
            QueueUrl: url,
            MessageBody: message.body,
            MessageAttributes: message.attributes
          })
          yield* sqs.sendMessage({ QueueUrl: url, MessageBody: "plain" })
          const handled = yield* consume(name, 1)
          assert.deepStrictEqual(
            handled.map((m) => m.body),
            ["plain"]
          )
          const dlq = server.deadLetterQueueOf(name)
          yield* Effect.gen(function* () {
            while (server.inspect(dlq.name)?.ready !== 1) yield* Effect.sleep("20 millis")
          }).pipe(Effect.timeout("10 seconds"))
          const [moved] = yield* receiveRaw(dlq.url)
          assert.strictEqual(moved?.Body, message.body)
          assert.deepStrictEqual(moved?.MessageAttributes?.ExtendedPayloadSize?.StringValue, "300000")
          assert.strictEqual((yield* Consumer.summary(name)).deadLettered, 1)
        })
      )

      it.effect("a failed S3 read is retried: the message comes back and is handled", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("s3-faults")
          server.createQueue({ name })
          const body = bodyOf(7, MiB + 10)
          yield* (yield* Producer.Producer).send(name, body)
          // More failures than one read's retries (4): the first attempt gives up, a later one succeeds.
          server.injectFaults({ action: "S3.GetObject", requestFailureRate: 1, times: 7, code: "SlowDown" })
          const handled = yield* consume(name, 1, { retryDelay: Schedule.spaced("200 millis") })
          server.clearFaults()
          assert.isTrue(handled[0]?.body === body)
          assert.isAtLeast(handled[0]?.receiveCount ?? 0, 2)
          assert.strictEqual((yield* Consumer.summary(name)).retried, 1)
          assert.deepStrictEqual(server.objectKeys(BUCKET), [])
        })
      )

      it.effect(
        "an interrupted consumer loses nothing: 100 pointer messages, stopped midway, drained by another",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const name = uniqueName("interrupted")
            server.createQueue({ name })
            // Every message through S3, so that batches, reads and deletes all build up.
            const producer = yield* Producer.make({ payloads: { bucket: BUCKET, alwaysThroughS3: true } })
            const bodies = Array.from({ length: 100 }, (_, i) => bodyOf(i, 2048))
            yield* producer.sendBatch(name, bodies)
            assert.strictEqual(server.objectKeys(BUCKET)!.length, 100)

            const first = yield* recorder(35)
            const consumer = yield* Effect.forkChild(
              Consumer.run(
                name,
                (message) => Effect.andThen(Effect.sleep("5 millis"), first.record(message.body)),
                {
                  waitTime: "1 second",
                  maxInFlight: 40
                }
              )
            )
            yield* Deferred.await(first.done)
            yield* Fiber.interrupt(consumer)
            const handledFirst = yield* Ref.get(first.bodies)
            // Objects of messages SQS has not deleted are all still there.
            assert.strictEqual(
              server.objectKeys(BUCKET)!.length,
              100 - (yield* Consumer.summary(name)).processed
            )

            const rest = yield* consume(name, 100 - handledFirst.length)
            const all = [...handledFirst, ...rest.map((message) => message.body)]
            assert.deepStrictEqual(new Set(all).size, 100)
            assert.deepStrictEqual(all.toSorted(), bodies.toSorted())
            assert.deepStrictEqual(server.objectKeys(BUCKET), [])
            assert.deepStrictEqual(server.inspect(name), { ready: 0, delayed: 0, inFlight: 0 })
          })
      )

      it.effect("keepPayloads keeps the object after the message is deleted", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("keep")
          server.createQueue({ name })
          yield* (yield* Producer.Producer).send(name, bodyOf(1, MiB + 1))
          const [key] = server.objectKeys(BUCKET)!
          yield* consume(name, 1, { keepPayloads: true })
          assert.include(server.objectKeys(BUCKET)!, key!)
          assert.deepStrictEqual(server.inspect(name), { ready: 0, delayed: 0, inFlight: 0 })
          server.reset()
        })
      )

      it.effect(
        "refuses before storing: a reserved attribute name, or too many attributes to add the pointer's",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const name = uniqueName("refused")
            server.createQueue({ name })
            const producer = yield* Producer.Producer
            const reserved = yield* Effect.flip(
              producer.send(name, { body: "x", attributes: { ExtendedPayloadSize: 1 } })
            )
            assert.include(reserved.message, 'attribute name "ExtendedPayloadSize" is reserved')
            const attributes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, "v"]))
            const crowded = yield* Effect.flip(producer.send(name, { body: bodyOf(1, MiB + 10), attributes }))
            assert.include(crowded.message, "at most 9 of its own")
            assert.deepStrictEqual(server.objectKeys(BUCKET), [])
            assert.strictEqual(server.inspect(name)?.ready, 0)
          })
      )

      it.effect("validate refuses, before anything is stored, what could not be sent through S3", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("validate")
          server.createQueue({ name })
          server.resetRequestCounts()
          const producer = yield* Producer.Producer
          const attributes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, "v"]))
          const error = yield* Effect.flip(producer.validate(name, { body: bodyOf(1, MiB + 10), attributes }))
          assert.include(error.message, "at most 9 of its own")
          assert.deepStrictEqual(yield* producer.validate(name, bodyOf(2, MiB + 10)), {
            size: MiB + 10,
            throughS3: true
          })
          assert.deepStrictEqual(yield* producer.validate(name, "small"), { size: 5, throughS3: false })
          // The same check as a plain function, for many messages.
          const check = yield* producer.validator(name)
          assert.include(
            (check({ body: bodyOf(3, MiB + 10), attributes }) as Error).message,
            "at most 9 of its own"
          )
          assert.deepStrictEqual(check(bodyOf(4, MiB + 10)), { size: MiB + 10, throughS3: true })
          assert.deepStrictEqual(check("small"), { size: 5, throughS3: false })
          const store = yield* PayloadStore.PayloadStore
          yield* store.checkBucket(BUCKET)
          const missing = yield* Effect.flip(store.checkBucket("no-such-bucket"))
          assert.match(
            missing.message,
            /^the bucket no-such-bucket does not exist at http:\/\/127\.0\.0\.1:\d+$/
          )
          assert.deepStrictEqual(server.objectKeys(BUCKET), [])
          assert.deepStrictEqual(server.requestCounts()["S3.PutObject"] ?? 0, 0)
        })
      )

      it.effect(
        "on a FIFO queue with content-based deduplication, the same large body sent twice is one message",
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const name = `${uniqueName("dedup")}.fifo`
            server.createQueue({ name, attributes: { ContentBasedDeduplication: "true" } })
            const producer = yield* Producer.Producer
            const body = bodyOf(1, MiB + 10)
            yield* producer.send(name, { body, groupId: "g" })
            yield* producer.send(name, { body, groupId: "g" })
            yield* producer.send(name, { body: bodyOf(2, MiB + 10), groupId: "g" })
            assert.strictEqual(server.inspect(name)?.ready, 2)
            const handled = yield* consume(name, 2)
            assert.isTrue(handled[0]?.body === body)
            server.reset()
          })
      )

      it.effect("an object whose message SQS refused is deleted again", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("refused-send")
          server.createQueue({ name })
          server.injectFaults({
            action: "SendMessageBatch",
            entryFailureRate: 1,
            code: "InvalidMessageContents",
            senderFault: true
          })
          const error = yield* Effect.flip((yield* Producer.Producer).send(name, bodyOf(1, MiB + 10)))
          server.clearFaults()
          assert.strictEqual(error._tag, "SendFailed")
          assert.deepStrictEqual(server.objectKeys(BUCKET), [])
        })
      )

      it.effect("a bulk send stores large bodies and sends them with the small ones", () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("bulk")
          server.createQueue({ name })
          const items = Array.from({ length: 60 }, (_, i) =>
            i % 10 === 0 ? bodyOf(i, MiB + 10) : `small ${i}`
          )
          const summary = yield* (yield* Producer.Producer).sendAll(name, Stream.fromIterable(items), {
            toMessage: (body: string) => body
          })
          assert.strictEqual(summary.sent, 60)
          assert.strictEqual(server.objectKeys(BUCKET)!.length, 6)
          const handled = yield* consume(name, 60, { maxInFlight: 30 })
          assert.deepStrictEqual(handled.map((message) => message.body).toSorted(), items.toSorted())
          assert.deepStrictEqual(server.objectKeys(BUCKET), [])
        })
      )
    }
  )

  layer(payloadServicesAt(latencyMs), { excludeTestServices: true })(
    `SNS envelopes (local SNS fanning out to SQS over HTTP, ${latencyMs} ms)`,
    (it) => {
      it.effect(
        "unwraps the published message and its attributes; a body that is not an envelope is poison",
        () =>
          Effect.scoped(
            Effect.gen(function* () {
              const server = yield* LocalSqs
              const { queue, topicArn, publish } = yield* topicToQueue
              yield* publish({
                Message: '{"check":42,"status":"started"}',
                Subject: "status",
                MessageAttributes: {
                  stage: { DataType: "String", StringValue: "started" },
                  attempt: { DataType: "Number", StringValue: "2" }
                }
              })
              yield* (yield* Producer.Producer).send(queue.name, "not an envelope")
              const handled = yield* consume(queue.name, 1, { sns: "unwrap" })
              assert.strictEqual(handled[0]?.body, '{"check":42,"status":"started"}')
              assert.deepStrictEqual(handled[0]?.messageAttributes, {
                stage: { DataType: "String", StringValue: "started" },
                attempt: { DataType: "Number", StringValue: "2" }
              })
              assert.strictEqual(handled[0]?.sns?.topicArn, topicArn)
              assert.strictEqual(handled[0]?.sns?.subject, "status")
              const dlq = server.deadLetterQueueOf(queue.name)
              yield* Effect.gen(function* () {
                while (server.inspect(dlq.name)?.ready !== 1) yield* Effect.sleep("20 millis")
              }).pipe(Effect.timeout("10 seconds"))
              const [moved] = yield* receiveRaw(dlq.url)
              assert.strictEqual(moved?.Body, "not an envelope")
            })
          )
      )

      it.effect(
        "an envelope whose attributes SQS would refuse goes to the dead-letter queue with the reason; SNS's own shapes are handled",
        () =>
          Effect.scoped(
            Effect.gen(function* () {
              const server = yield* LocalSqs
              const { queue, publish } = yield* topicToQueue
              const dlq = server.deadLetterQueueOf(queue.name)
              yield* publish({
                Message: "valid",
                MessageAttributes: {
                  tags: { DataType: "String.Array", StringValue: '["a","b"]' },
                  delta: { DataType: "Number", StringValue: "-1.5e3" },
                  digest: { DataType: "Binary", BinaryValue: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) }
                }
              })
              // What SNS would never write: a Binary value that is not base64 (Node would read "!!!" as no bytes).
              const hostile = JSON.stringify({
                ...JSON.parse(snsNotification("hostile")),
                MessageAttributes: { blob: { Type: "Binary", Value: "!!!" } }
              })
              yield* (yield* Producer.Producer).send(queue.name, hostile)

              const handled: Array<Consumer.ReceivedMessage> = []
              const logs = capturedLogs()
              const consumer = yield* Effect.forkChild(
                Consumer.run(queue.name, (message) => Effect.sync(() => handled.push(message)), {
                  waitTime: "1 second",
                  sns: "unwrap"
                }).pipe(Effect.provide(logs.layer))
              )
              const movedLine =
                `WARN moved to ${dlq.name}: the SNS notification's attribute "blob" is of type Binary ` +
                'but its value "!!!" is not base64 (A-Z, a-z, 0-9, + and /, padded with =)'
              yield* eventually(
                () =>
                  handled.length > 1 ||
                  (handled.length === 1 &&
                    logs.lines.some((line) => line.startsWith(`WARN moved to ${dlq.name}:`))),
                "the valid message handled and the hostile one moved, or both handled"
              )
              yield* Fiber.interrupt(consumer)

              assert.deepStrictEqual(
                handled.map((message) => message.body),
                ["valid"],
                "the hostile envelope never reached the handler"
              )
              assert.include(logs.lines, movedLine, logs.lines.join("\n"))
              assert.strictEqual(handled[0]?.body, "valid")
              assert.deepStrictEqual(handled[0]?.messageAttributes, {
                tags: { DataType: "String.Array", StringValue: '["a","b"]' },
                delta: { DataType: "Number", StringValue: "-1.5e3" },
                digest: { DataType: "Binary", BinaryValue: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) }
              })
              const [moved] = yield* receiveRaw(dlq.url)
              assert.strictEqual(moved?.Body, hostile, "moved as it came, envelope and all")
              assert.deepStrictEqual(server.inspect(queue.name), { ready: 0, delayed: 0, inFlight: 0 })
            })
          )
      )

      it.effect("unwraps an envelope around a pointer (AWS's SNS extended client), then reads S3", () =>
        Effect.scoped(
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const store = yield* PayloadStore.PayloadStore
            const { queue, publish } = yield* topicToQueue
            const body = bodyOf(5, MiB + 10)
            const pointer = { bucket: BUCKET, key: "sns-extended-1" }
            yield* store.put(pointer, body)
            yield* publish({
              Message: LargePayloads.encodePointer(pointer),
              MessageAttributes: {
                ExtendedPayloadSize: {
                  DataType: "Number",
                  StringValue: String(OutgoingMessage.utf8Length(body))
                }
              }
            })
            const handled = yield* consume(queue.name, 1, { sns: "unwrap" })
            assert.isTrue(handled[0]?.body === body)
            assert.deepStrictEqual(handled[0]?.messageAttributes, {})
            assert.deepStrictEqual(server.objectKeys(BUCKET), [])
          })
        )
      )
    }
  )
}

describe("Producer with a payload bucket", () => {
  it.effect("needs a PayloadStore, and says so", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Producer.make({ payloads: { bucket: "some-bucket" } }).pipe(
          Effect.provide(Layer.succeed(SqsClient.SqsClient, {} as never)),
          Effect.provide(Layer.succeed(Queues.Queues, {} as never))
        )
      )
      assert.include(error.message, "no PayloadStore is provided")
    })
  )
})
