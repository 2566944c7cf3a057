/**
 * The consumer's time-driven behaviour, with TestClock and an in-memory SqsClient.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { Consumer, Queues, SqsClient, SqsError } from "../src/index.ts"
import * as FakeSqs from "./fakeSqs.ts"

const services = (client: SqsClient.SqsClient["Service"]) =>
  Layer.mergeAll(
    Layer.succeed(SqsClient.SqsClient, client),
    Layer.succeed(Queues.Queues, {
      resolve: () => Effect.succeed(FakeSqs.queue),
      list: () => Effect.succeed([]),
      describe: () => Effect.die("unused"),
      create: () => Effect.die("unused")
    })
  )

const message = (id: string, receiveCount: number) => ({
  MessageId: id,
  ReceiptHandle: `receipt-${id}`,
  Body: "body",
  Attributes: { ApproximateReceiveCount: String(receiveCount) }
})

/** Answers the first receive with `messages`, then like an empty queue. */
const once = (messages: ReadonlyArray<unknown>) => {
  let first = true
  return (input: any) => {
    if (!first) return FakeSqs.emptyLongPoll(input)
    first = false
    return Effect.succeed({ Messages: messages })
  }
}

describe("Consumer, in virtual time", () => {
  it.effect("retries a failing receive under its schedule for as long as it runs", () =>
    Effect.gen(function* () {
      const unreachable = new SqsError.SqsError({
        action: "ReceiveMessage",
        reason: new SqsError.EndpointUnreachable({ message: "cannot reach SQS" })
      })
      const sqs = yield* FakeSqs.make({ receive: () => Effect.fail(unreachable) })
      const consumer = yield* Effect.forkChild(
        Consumer.run("jobs", () => Effect.void, { receiveRetrySchedule: Schedule.spaced("5 seconds") }).pipe(
          Effect.provide(services(sqs.client))
        )
      )
      yield* TestClock.adjust("1 minute")
      const receives = yield* sqs.callsOf("ReceiveMessage")
      assert.deepStrictEqual(
        receives.map((call) => call.at),
        Array.from({ length: 13 }, (_, i) => i * 5_000)
      )
      yield* Fiber.interrupt(consumer)
    })
  )

  it.effect("sets a failed message's visibility from the retry schedule at its receive count", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make({ receive: once([message("m1", 3)]) })
      const consumer = yield* Effect.forkChild(
        Consumer.run("jobs", () => Effect.fail("nope"), {
          retryDelay: Schedule.exponential("1 second")
        }).pipe(Effect.provide(services(sqs.client)))
      )
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("1 second")
      const changes = yield* sqs.callsOf("ChangeMessageVisibilityBatch")
      assert.deepStrictEqual(changes.at(-1)?.input.Entries, [
        { Id: "0", ReceiptHandle: "receipt-m1", VisibilityTimeout: 4 }
      ])
      assert.strictEqual(
        (yield* sqs.callsOf("DeleteMessageBatch")).length,
        0,
        "a failed message is never deleted"
      )
      const stopping = yield* Effect.forkChild(Fiber.interrupt(consumer))
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(stopping)
    })
  )

  it.effect("gives running handlers shutdownTimeout, then releases their messages", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make({ receive: once([message("m1", 1)]) })
      const consumer = yield* Effect.forkChild(
        Consumer.run("jobs", () => Effect.never, {
          shutdownTimeout: "10 seconds",
          visibilityTimeout: "1 hour"
        }).pipe(Effect.provide(services(sqs.client)))
      )
      yield* TestClock.adjust("1 second")
      const stopping = yield* Effect.forkChild(Fiber.interrupt(consumer))
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual(
        (yield* sqs.callsOf("ChangeMessageVisibilityBatch")).length,
        0,
        "still within the deadline"
      )
      yield* TestClock.adjust("1 second")
      // The poll in flight (20 s from its start) still has to finish before the consumer stops.
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(stopping)
      const changes = yield* sqs.callsOf("ChangeMessageVisibilityBatch")
      assert.deepStrictEqual(changes.at(-1)?.input.Entries, [
        { Id: "0", ReceiptHandle: "receipt-m1", VisibilityTimeout: 0 }
      ])
      assert.strictEqual(changes.at(-1)?.at, 10_000 + 1_000)
    })
  )
})
