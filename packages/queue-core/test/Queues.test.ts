import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Exit, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { Queues, SqsClient, SqsError } from "../src/index.ts"
import * as FakeSqs from "./fakeSqs.ts"
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

  it.effect("uses a queue URL exactly as given, without looking its name up again", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const name = uniqueName("as-given")
      server.createQueue({ name })
      // Another spelling of the same server: the local SQS finds queues by the URL's path.
      const url = `http://localhost:${server.port}/000000000000/${name}`
      server.resetRequestCounts()
      const queue = yield* (yield* Queues.Queues).resolve(url)
      assert.strictEqual(queue.url, url)
      assert.strictEqual(queue.name, name)
      assert.deepStrictEqual(server.requestCounts(), { GetQueueAttributes: 1 })
    })
  )

  it.effect("refuses an ARN of another region, which this client would look up in the wrong place", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const name = uniqueName("elsewhere")
      server.createQueue({ name })
      server.resetRequestCounts()
      const error = yield* Effect.flip(
        (yield* Queues.Queues).resolve(`arn:aws:sqs:eu-west-1:000000000000:${name}`)
      )
      assert.strictEqual(error._tag, "InvalidQueueRef")
      assert.strictEqual(
        error.message,
        `queue ARN arn:aws:sqs:eu-west-1:000000000000:${name} is in eu-west-1, but requests go to ` +
          `${(yield* SqsClient.SqsClient).settings.location} (region us-east-1): set --region eu-west-1 (or AWS_REGION)`
      )
      assert.deepStrictEqual(server.requestCounts(), {}, "nothing was sent")
    })
  )

  it.effect("fails with QueueNotFound naming the queue and the endpoint it looked at", () =>
    Effect.gen(function* () {
      const { location } = (yield* SqsClient.SqsClient).settings
      const queues = yield* Queues.Queues
      const error = yield* Effect.flip(queues.resolve("NoSuchQueue"))
      assert.strictEqual(error._tag, "SqsError")
      if (error._tag !== "SqsError") return
      assert.strictEqual(error.reason._tag, "QueueNotFound")
      assert.strictEqual(error.message, `queue "NoSuchQueue" does not exist at ${location}`)
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

describe("Queues cache, in virtual time", () => {
  /** Queues over a fake client whose first `failures` GetQueueUrl calls fail. */
  const queuesWith = (failures: number) =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make()
      let urlCalls = 0
      const client = {
        ...sqs.client,
        getQueueUrl: (input: any) =>
          ++urlCalls <= failures
            ? Effect.fail(
                new SqsError.SqsError({
                  action: "GetQueueUrl",
                  reason: new SqsError.ServiceUnavailable({ code: "InternalError", message: "down" })
                })
              )
            : sqs.client.getQueueUrl(input)
      }
      const queues = yield* Queues.makeWith({ timeToLive: "5 minutes" }).pipe(
        Effect.provide(Layer.succeed(SqsClient.SqsClient, client))
      )
      return { queues, lookups: () => sqs.callsOf("GetQueueAttributes") }
    })

  it.effect("answers from the cache within the time to live, and looks the queue up again after it", () =>
    Effect.gen(function* () {
      const { queues, lookups } = yield* queuesWith(0)
      yield* queues.resolve("jobs")
      yield* TestClock.adjust("4 minutes")
      yield* queues.resolve("jobs")
      yield* queues.resolve(FakeSqs.queue.url)
      assert.strictEqual((yield* lookups()).length, 1, "by name, then by its URL, from the cache")
      yield* TestClock.adjust("2 minutes")
      yield* queues.resolve("jobs")
      assert.strictEqual((yield* lookups()).length, 2)
    })
  )

  it.effect("does not keep a failed lookup: the next call looks the queue up again", () =>
    Effect.gen(function* () {
      const { queues } = yield* queuesWith(1)
      const first = yield* Effect.exit(queues.resolve("jobs"))
      assert.isTrue(Exit.isFailure(first))
      const second = yield* queues.resolve("jobs")
      assert.strictEqual(second.url, FakeSqs.queue.url)
    })
  )
})
