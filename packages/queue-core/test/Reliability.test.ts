/**
 * Reliability, poison and failure, against a local SQS over HTTP at 0 ms and 20 ms added to every
 * request: among messages that are handled normally, a body that fails its Schema goes to the
 * dead-letter queue after a single receive (receive count 1, although the redrive policy would
 * allow 3), a message whose handler fails every time goes there after exactly `maxReceiveCount`
 * receives (by SQS's redrive), and every other message is handled exactly once. Nothing is left
 * in the queue, and the dead-letter queue holds exactly the poison and the failing messages.
 *
 * Each behaviour alone, with one message, is in ConsumerEngine.test.ts ("moves a poison message
 * to the dead-letter queue after exactly one receive", "leaves it to the redrive policy after
 * maxReceiveCount failures"); this test has them together, among others, with receive counts.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber, Schedule, Schema } from "effect"
import { Consumer, Producer, Queues, SqsClient } from "../src/index.ts"
import { capturedLogs, LATENCIES, LocalSqs, localSqsServicesAt, uniqueName } from "./fixtures.ts"

const MAX_RECEIVE_COUNT = 3
const GOOD = 60
const POISON = 3
const FAILING = 3

const Job = Schema.Struct({ jobId: Schema.String })

/** Waits (polling every 20 ms) until `condition` holds; generous, for a loaded 2-core machine. */
const eventually = (condition: () => boolean, what: string) =>
  Effect.gen(function* () {
    while (!condition()) yield* Effect.sleep("20 millis")
  }).pipe(
    Effect.timeoutOrElse({
      duration: "60 seconds",
      orElse: () => Effect.die(new Error(`timed out waiting: ${what}`))
    })
  )

for (const latencyMs of LATENCIES) {
  layer(localSqsServicesAt(latencyMs), { excludeTestServices: true })(
    `Reliability: poison and failing messages (local SQS over HTTP, ${latencyMs} ms)`,
    (it) => {
      it.effect(
        `poison to the DLQ after 1 receive, failing after ${MAX_RECEIVE_COUNT}, the others handled once`,
        () =>
          Effect.gen(function* () {
            const server = yield* LocalSqs
            const name = uniqueName("reliability")
            server.createQueue({ name, deadLetter: { maxReceiveCount: MAX_RECEIVE_COUNT } })
            const dlq = server.deadLetterQueueOf(name).name

            const good = Array.from({ length: GOOD }, (_, i) => JSON.stringify({ jobId: `good-${i}` }))
            // Bodies that do not decode as a Job: not JSON, and JSON of the wrong shape.
            const poison = ["not json at all", JSON.stringify({ jobId: 42 }), JSON.stringify({ job: "x" })]
            const failing = Array.from({ length: FAILING }, (_, i) => JSON.stringify({ jobId: `fail-${i}` }))
            assert.strictEqual(poison.length, POISON)
            // Interleaved, so that the bad ones share receives with the good ones.
            const bodies = [
              ...good.slice(0, 20),
              ...poison,
              ...good.slice(20, 40),
              ...failing,
              ...good.slice(40)
            ]
            yield* (yield* Producer.Producer).sendBatch(name, bodies)

            /** Every receive of each body, with SQS's receive count at that receive. */
            const receives = new Map<string, Array<number>>()
            /** Successful handlings of each body. */
            const handled = new Map<string, number>()
            const handler = Consumer.withSchema(Job, (message) =>
              message.body.jobId.startsWith("fail-")
                ? Effect.fail(`job ${message.body.jobId} fails every time`)
                : Effect.sync(() => handled.set(message.rawBody, (handled.get(message.rawBody) ?? 0) + 1))
            )
            const started = Date.now()
            const logs = capturedLogs()
            const consumer = yield* Effect.forkChild(
              Consumer.run(
                name,
                (message) =>
                  Effect.suspend(() => {
                    receives.set(message.body, [...(receives.get(message.body) ?? []), message.receiveCount])
                    return handler(message)
                  }),
                { waitTime: "1 second", retryDelay: Schedule.spaced("100 millis") }
              ).pipe(Effect.provide(logs.layer))
            )
            yield* eventually(
              () => server.inspect(dlq)?.ready === POISON + FAILING && server.inspect(name)?.ready === 0,
              "the poison and failing messages in the DLQ"
            )
            yield* eventually(
              () => handled.size === GOOD && server.inspect(name)?.inFlight === 0,
              "every good message handled and deleted"
            )
            yield* Fiber.interrupt(consumer)

            for (const body of good) {
              assert.strictEqual(handled.get(body), 1, `${body} handled once`)
              assert.deepStrictEqual(receives.get(body), [1], `${body} received once`)
            }
            for (const body of poison) {
              assert.deepStrictEqual(receives.get(body), [1], `poison ${body}: one receive, then the DLQ`)
              assert.isUndefined(handled.get(body))
            }
            const counts = Array.from({ length: MAX_RECEIVE_COUNT }, (_, i) => i + 1)
            for (const body of failing) {
              assert.deepStrictEqual(receives.get(body), counts, `failing ${body}: receive counts`)
              assert.isUndefined(handled.get(body))
            }
            assert.deepStrictEqual(server.inspect(name), { ready: 0, delayed: 0, inFlight: 0 })

            // The DLQ holds exactly the poison and the failing bodies.
            const sqs = yield* SqsClient.SqsClient
            const dlqUrl = (yield* (yield* Queues.Queues).resolve(dlq)).url
            const inDlq: Array<string> = []
            while (inDlq.length < POISON + FAILING) {
              const output = yield* sqs.receiveMessage({
                QueueUrl: dlqUrl,
                MaxNumberOfMessages: 10,
                WaitTimeSeconds: 1,
                VisibilityTimeout: 60
              })
              inDlq.push(...(output.Messages ?? []).map((message) => message.Body ?? ""))
            }
            assert.deepStrictEqual(inDlq.toSorted(), [...poison, ...failing].toSorted())
            // The consumer said why it moved each poison message.
            const moved = logs.lines.filter((line) =>
              line.startsWith(`WARN moved to ${dlq}: the body does not match its schema`)
            )
            assert.strictEqual(moved.length, POISON, logs.lines.join("\n"))
            console.log(
              `[reliability] poison and failure ${latencyMs} ms: ${GOOD} handled once, ${POISON} poison ` +
                `dead-lettered at receive count 1, ${FAILING} failing dead-lettered by SQS after ` +
                `${MAX_RECEIVE_COUNT} receives, in ${((Date.now() - started) / 1000).toFixed(1)}s`
            )
          }),
        120_000
      )
    }
  )
}
