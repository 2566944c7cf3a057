import type { SQSClient } from "@aws-sdk/client-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, References } from "effect"
import { TestClock } from "effect/testing"
import { SqsClient } from "../src/index.ts"
import * as FakeSqs from "./fakeSqs.ts"
import { capturedLogs } from "./fixtures.ts"

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

  it.effect(
    "retries a send whose connection was reset, but not one that timed out: SQS may be storing it",
    () =>
      Effect.gen(function* () {
        const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
        const resets = flakyClient(1, reset)
        const sent = yield* Effect.forkChild(
          SqsClient.fromClient(resets.client, settings).sendMessageBatch({ QueueUrl: "q", Entries: [] })
        )
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(sent)
        assert.strictEqual(resets.calls(), 2)

        const timedOut = Object.assign(new Error("read ETIMEDOUT"), { code: "ETIMEDOUT" })
        const timeouts = flakyClient(1, timedOut)
        const error = yield* Effect.flip(
          SqsClient.fromClient(timeouts.client, settings).sendMessageBatch({ QueueUrl: "q", Entries: [] })
        )
        assert.strictEqual(timeouts.calls(), 1)
        assert.strictEqual(error.reason._tag, "ConnectionLost")
        assert.isTrue(error.mayHaveReachedSqs)
        // A read after the same failure is retried.
        const reads = flakyClient(1, timedOut)
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

/** An SDK client stand-in for an endpoint that accepts the request and never answers. */
const silentClient = () => {
  let calls = 0
  let aborted = 0
  const client = {
    send: (_command: unknown, options: { abortSignal: AbortSignal }) => {
      calls++
      return new Promise((_resolve, reject) =>
        options.abortSignal.addEventListener("abort", () => {
          aborted++
          reject(new Error("aborted"))
        })
      )
    }
  } as unknown as SQSClient
  return { client, calls: () => calls, aborted: () => aborted }
}

describe("SqsClient deadlines", () => {
  it.effect(
    "gives up an unanswered request after 5 s, logs each retry as it starts, and fails within 30 s",
    () =>
      Effect.gen(function* () {
        const logs = capturedLogs()
        const { client, calls, aborted } = silentClient()
        const fiber = yield* Effect.forkChild(
          Effect.flip(SqsClient.fromClient(client, settings).getQueueUrl({ QueueName: "q" })).pipe(
            Effect.provide(logs.layer)
          )
        )
        yield* TestClock.adjust("5 seconds")
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(calls(), 1)
        assert.strictEqual(aborted(), 1, "the unanswered request was aborted")
        assert.match(
          logs.lines[0] ?? "",
          /^WARN SQS GetQueueUrl: no answer from SQS at .* within 5s; retry 1 in/
        )
        yield* TestClock.adjust("30 seconds")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(calls(), 5)
        assert.strictEqual(error.reason._tag, "ConnectionLost")
        assert.strictEqual(error.message, "no answer from SQS at http://127.0.0.1:4566 within 5s")
        assert.strictEqual(logs.lines.filter((line) => line.startsWith("WARN")).length, 4)
      })
  )

  it.effect("gives a long poll its wait on top of the deadline", () =>
    Effect.gen(function* () {
      const { client } = silentClient()
      const fiber = yield* Effect.forkChild(
        Effect.flip(
          SqsClient.fromClient(client, settings).receiveMessage({ QueueUrl: "q", WaitTimeSeconds: 20 })
        )
      )
      yield* TestClock.adjust("24900 millis")
      assert.isUndefined(fiber.pollUnsafe(), "still waiting within 20 s + 5 s")
      yield* TestClock.adjust("200 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.message, "no answer from SQS at http://127.0.0.1:4566 within 25s")
    })
  )

  it.effect(
    "does not retry an unanswered send (SQS may have stored it), and logs no retry it does not make",
    () =>
      Effect.gen(function* () {
        const logs = capturedLogs()
        const { client, calls } = silentClient()
        const fiber = yield* Effect.forkChild(
          Effect.flip(
            SqsClient.fromClient(client, settings).sendMessageBatch({ QueueUrl: "q", Entries: [] })
          ).pipe(Effect.provide(logs.layer), Effect.provideService(References.MinimumLogLevel, "All"))
        )
        yield* TestClock.adjust("1 minute")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(calls(), 1)
        assert.isTrue(error.mayHaveReachedSqs)
        assert.deepStrictEqual(
          logs.lines.filter((line) => /retry/.test(line)),
          [],
          "a retry line for a retry never made"
        )
      })
  )
})

describe("SqsClient reconnects sends", () => {
  it.effect("keeps sending a refused send for a restart's length, saying so, and then it goes through", () =>
    Effect.gen(function* () {
      const logs = capturedLogs()
      // Refused for about 10 s of retries, as while a local SQS restarts.
      const { client, calls } = flakyClient(15, refused)
      const fiber = yield* Effect.forkChild(
        SqsClient.fromClient(client, settings)
          .sendMessageBatch({ QueueUrl: "q", Entries: [] })
          .pipe(Effect.provide(logs.layer), Effect.provideService(References.MinimumLogLevel, "Warn"))
      )
      yield* TestClock.adjust("30 seconds")
      yield* TestClock.adjust("30 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(calls(), 16)
      assert.isTrue(
        logs.lines.some((line) =>
          /^WARN SQS SendMessageBatch: cannot reach SQS .*connection refused.*; retry/.test(line)
        )
      )
    })
  )

  it.effect("gives up a send refused for more than 30 s", () =>
    Effect.gen(function* () {
      const { client } = flakyClient(Number.POSITIVE_INFINITY, refused)
      const fiber = yield* Effect.forkChild(
        Effect.flip(SqsClient.fromClient(client, settings).sendMessageBatch({ QueueUrl: "q", Entries: [] }))
      )
      yield* TestClock.adjust("29 seconds")
      assert.isUndefined(fiber.pollUnsafe(), "still retrying before 30 s")
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "EndpointUnreachable")
    })
  )
})
