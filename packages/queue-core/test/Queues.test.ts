import { assert, it, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { Queues, SqsClient } from "../src/index.ts"
import { LocalSqs, LocalSqsServices, noRetry, uniqueName } from "./fixtures.ts"

// Port 9 (discard) has nothing listening on loopback, so connections are refused at once.
const closedPortServices = Queues.layer.pipe(
  Layer.provideMerge(SqsClient.layer({ endpoint: "http://127.0.0.1:9", retrySchedule: noRetry }))
)

layer(LocalSqsServices)("Queues (local SQS over HTTP)", (it) => {
  it.effect("resolves a queue by name, URL and ARN to the same queue", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const name = uniqueName("resolve")
      const created = server.createQueue({ name })
      const queues = yield* Queues.Queues
      const byName = yield* queues.resolve(name)
      const byUrl = yield* queues.resolve(created.url)
      const byArn = yield* queues.resolve(created.arn)
      assert.strictEqual(byName.url, created.url)
      assert.strictEqual(byUrl.url, created.url)
      assert.strictEqual(byArn.url, created.url)
      assert.strictEqual(byName.arn, created.arn)
      assert.isFalse(byName.fifo)
      assert.strictEqual(byName.maximumMessageSize, 1_048_576)
    })
  )

  it.effect("fails with QueueNotFound naming the queue and the endpoint it looked at", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const queues = yield* Queues.Queues
      const error = yield* Effect.flip(queues.resolve("NoSuchQueue"))
      assert.strictEqual(error._tag, "SqsError")
      if (error._tag !== "SqsError") return
      assert.strictEqual(error.reason._tag, "QueueNotFound")
      assert.strictEqual(error.message, `queue "NoSuchQueue" does not exist at ${server.endpoint}`)
    })
  )

  it.effect("creates a queue with a dead-letter queue and a redrive policy, and describes it", () =>
    Effect.gen(function* () {
      const queues = yield* Queues.Queues
      const name = uniqueName("created")
      const queue = yield* queues.create({
        name,
        deadLetter: { maxReceiveCount: 3 },
        visibilityTimeout: "45 seconds"
      })
      const dlq = yield* queues.resolve(`${name}-dlq`)
      assert.deepStrictEqual(Option.getOrUndefined(queue.redrivePolicy), {
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: 3
      })
      const description = yield* queues.describe(name)
      assert.strictEqual(description.visible, 0)
      assert.strictEqual(description.inFlight, 0)
      assert.include(yield* queues.list(name), queue.url)
    })
  )

  it.effect("creates FIFO queues with a FIFO dead-letter queue", () =>
    Effect.gen(function* () {
      const queues = yield* Queues.Queues
      const name = `${uniqueName("ordered")}.fifo`
      const queue = yield* queues.create({
        name,
        deadLetter: { maxReceiveCount: 2 },
        contentBasedDeduplication: true
      })
      assert.isTrue(queue.fifo)
      assert.isTrue(queue.contentBasedDeduplication)
      const dlq = yield* queues.resolve(name.replace(".fifo", "-dlq.fifo"))
      assert.isTrue(dlq.fifo)
    })
  )
})

it.effect("reports an unreachable endpoint as EndpointUnreachable, retryable", () =>
  Effect.gen(function* () {
    const queues = yield* Queues.Queues
    const error = yield* Effect.flip(queues.resolve("BackgroundCheckApp"))
    assert.strictEqual(error._tag, "SqsError")
    if (error._tag !== "SqsError") return
    assert.strictEqual(error.reason._tag, "EndpointUnreachable")
    assert.isTrue(error.isRetryable)
    assert.strictEqual(error.message, "cannot reach SQS at http://127.0.0.1:9 (connection refused)")
  }).pipe(Effect.provide(closedPortServices))
)
