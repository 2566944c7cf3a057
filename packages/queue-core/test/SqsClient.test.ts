import type { SQSClient } from "@aws-sdk/client-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { SqsClient } from "../src/index.ts"
import * as FakeSqs from "./fakeSqs.ts"

const settings = FakeSqs.settings

/** An SDK client stand-in that fails the first `failures` calls with `error`, then answers. */
const flakyClient = (failures: number, error: unknown) => {
  let calls = 0
  const client = {
    send: () => (++calls <= failures ? Promise.reject(error) : Promise.resolve({ QueueUrl: "url" }))
  } as unknown as SQSClient
  return { client, calls: () => calls }
}

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), { code: "ECONNREFUSED" })

describe("SqsClient retries", () => {
  it.effect("retries a transient failure under the default schedule and then succeeds", () =>
    Effect.gen(function* () {
      const { client, calls } = flakyClient(3, refused)
      const sqs = SqsClient.fromClient(client, settings)
      const fiber = yield* Effect.forkChild(sqs.getQueueUrl({ QueueName: "q" }))
      yield* TestClock.adjust("10 seconds")
      const output = yield* Fiber.join(fiber)
      assert.strictEqual(output.QueueUrl, "url")
      assert.strictEqual(calls(), 4)
    })
  )

  it.effect("gives up after four retries with a typed, retryable error", () =>
    Effect.gen(function* () {
      const { client, calls } = flakyClient(100, refused)
      const sqs = SqsClient.fromClient(client, settings)
      const fiber = yield* Effect.forkChild(Effect.flip(sqs.getQueueUrl({ QueueName: "q" })))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(calls(), 5)
      assert.strictEqual(error.action, "GetQueueUrl")
      assert.strictEqual(error.reason._tag, "EndpointUnreachable")
    })
  )

  it.effect("does not retry a send whose connection broke, since SQS may have stored it", () =>
    Effect.gen(function* () {
      const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
      const sends = flakyClient(1, reset)
      const error = yield* Effect.flip(
        SqsClient.fromClient(sends.client, settings).sendMessageBatch({ QueueUrl: "q", Entries: [] })
      )
      assert.strictEqual(sends.calls(), 1)
      assert.strictEqual(error.reason._tag, "ConnectionLost")
      assert.isTrue(error.mayHaveReachedSqs)
      // A read after the same failure is retried.
      const reads = flakyClient(1, reset)
      const fiber = yield* Effect.forkChild(
        SqsClient.fromClient(reads.client, settings).getQueueUrl({ QueueName: "q" })
      )
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(reads.calls(), 2)
    })
  )

  it.effect("does not retry what retrying cannot fix", () =>
    Effect.gen(function* () {
      const missing = Object.assign(new Error("The specified queue does not exist."), {
        name: "QueueDoesNotExist",
        $fault: "client"
      })
      const { client, calls } = flakyClient(100, missing)
      const error = yield* Effect.flip(SqsClient.fromClient(client, settings).getQueueUrl({ QueueName: "q" }))
      assert.strictEqual(calls(), 1)
      assert.strictEqual(error.message, 'queue "q" does not exist at http://127.0.0.1:4566')
    })
  )

  it.effect("never retries a receive: the poll loop that sent it has its own schedule", () =>
    Effect.gen(function* () {
      const { client, calls } = flakyClient(100, refused)
      const error = yield* Effect.flip(
        SqsClient.fromClient(client, settings).receiveMessage({ QueueUrl: "q" })
      )
      assert.strictEqual(calls(), 1)
      assert.strictEqual(error.reason._tag, "EndpointUnreachable")
    })
  )
})
