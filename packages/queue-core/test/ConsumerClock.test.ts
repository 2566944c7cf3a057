/**
 * The consumer's time-driven behaviour, with TestClock and an in-memory SqsClient.
 */

import type { SQSClient } from "@aws-sdk/client-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Schedule } from "effect"
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
      create: () => Effect.die("unused"),
      purge: () => Effect.die("unused")
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

  it.effect("keeps a single long poll open while the queue is idle, whatever maxInFlight", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make()
      const consumer = yield* Effect.forkChild(
        Consumer.run("jobs", () => Effect.void, { waitTime: "20 seconds", maxInFlight: 100 }).pipe(
          Effect.provide(services(sqs.client))
        )
      )
      yield* TestClock.adjust("1 minute")
      const receives = yield* sqs.callsOf("ReceiveMessage")
      assert.deepStrictEqual(
        receives.map((call) => call.at),
        [0, 20_000, 40_000, 60_000]
      )
      const stopping = yield* Effect.forkChild(Fiber.interrupt(consumer))
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(stopping)
    })
  )

  it.effect("sets the visibility a RetryLater asks for", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make({ receive: once([message("m1", 1)]) })
      const consumer = yield* Effect.forkChild(
        Consumer.run("jobs", () =>
          Effect.fail(new Consumer.RetryLater({ reason: "busy", delay: Duration.seconds(90) }))
        ).pipe(Effect.provide(services(sqs.client)))
      )
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("1 second")
      const changes = yield* sqs.callsOf("ChangeMessageVisibilityBatch")
      assert.deepStrictEqual(changes.at(-1)?.input.Entries, [
        { Id: "0", ReceiptHandle: "receipt-m1", VisibilityTimeout: 90 }
      ])
      const stopping = yield* Effect.forkChild(Fiber.interrupt(consumer))
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(stopping)
    })
  )

  it.effect(
    "sends a release only after a lease extension in flight has reached SQS, so it stays released",
    () =>
      Effect.gen(function* () {
        // Extensions take 3 s to reach SQS, releases none: sent at once, a release would arrive
        // before the extension, which would then hide the message again for a whole timeout.
        const sqs = yield* FakeSqs.make({
          receive: once([message("m1", 1)]),
          latency: (action, input) =>
            action === "ChangeMessageVisibilityBatch" && input.Entries[0].VisibilityTimeout > 0
              ? "3 seconds"
              : Duration.zero
        })
        const consumer = yield* Effect.forkChild(
          Consumer.run(
            "jobs",
            () =>
              Effect.sleep("6 seconds").pipe(
                Effect.andThen(Effect.fail(new Consumer.Release({ reason: "not mine" })))
              ),
            { visibilityTimeout: "10 seconds" }
          ).pipe(Effect.provide(services(sqs.client)))
        )
        // The extension goes out when half the 10 s is left (5 s) and arrives at 8 s; the handler
        // fails at 6 s.
        yield* TestClock.adjust("10 seconds")
        const changes = (yield* sqs.callsOf("ChangeMessageVisibilityBatch")).map((call) => ({
          at: call.at,
          timeout: call.input.Entries[0].VisibilityTimeout
        }))
        assert.deepStrictEqual(changes, [
          { at: 8_000, timeout: 10 },
          { at: 8_000, timeout: 0 }
        ])
        const stopping = yield* Effect.forkChild(Fiber.interrupt(consumer))
        yield* TestClock.adjust("20 seconds")
        yield* Fiber.join(stopping)
      })
  )

  it.effect(
    "deletes a receive's messages as soon as all its handlers have finished, the others' after deleteFlushDelay",
    () =>
      Effect.gen(function* () {
        // Two receives: one of three fast messages, one of a fast and a slow (3 s) message.
        let receives = 0
        const sqs = yield* FakeSqs.make({
          receive: (input) => {
            receives++
            if (receives === 1)
              return Effect.succeed({ Messages: ["a", "b", "c"].map((id) => message(id, 1)) })
            if (receives === 2) return Effect.succeed({ Messages: [message("fast", 1), message("slow", 1)] })
            return FakeSqs.emptyLongPoll(input)
          }
        })
        const consumer = yield* Effect.forkChild(
          Consumer.run(
            "jobs",
            (received) => (received.messageId === "slow" ? Effect.sleep("3 seconds") : Effect.void),
            {
              deleteFlushDelay: "1 second",
              maxInFlight: 5,
              maxMessages: 3
            }
          ).pipe(Effect.provide(services(sqs.client)))
        )
        yield* TestClock.adjust("10 seconds")
        const deletes = (yield* sqs.callsOf("DeleteMessageBatch")).map((call) => ({
          at: call.at,
          receipts: call.input.Entries.map((entry: { ReceiptHandle: string }) => entry.ReceiptHandle)
        }))
        assert.deepStrictEqual(deletes, [
          { at: 0, receipts: ["receipt-a", "receipt-b", "receipt-c"] },
          { at: 1_000, receipts: ["receipt-fast"] },
          { at: 3_000, receipts: ["receipt-slow"] }
        ])
        const stopping = yield* Effect.forkChild(Fiber.interrupt(consumer))
        yield* TestClock.adjust("20 seconds")
        yield* Fiber.join(stopping)
      })
  )

  it.effect("sends again a delete SQS failed on its side, when its entryRetrySchedule says", () =>
    Effect.gen(function* () {
      // SQS fails the entry on its side twice, then deletes it.
      let deletes = 0
      const sqs = yield* FakeSqs.make({
        receive: once([message("a", 1)]),
        delete: (input) =>
          Effect.succeed(
            ++deletes <= 2
              ? {
                  Successful: [],
                  Failed: [{ Id: input.Entries[0].Id, Code: "InternalError", SenderFault: false }]
                }
              : { Successful: [{ Id: input.Entries[0].Id }], Failed: [] }
          )
      })
      const consumer = yield* Effect.forkChild(
        Consumer.run("jobs", () => Effect.void, { entryRetrySchedule: Schedule.spaced("1 second") }).pipe(
          Effect.provide(services(sqs.client))
        )
      )
      yield* TestClock.adjust("10 seconds")
      const calls = yield* sqs.callsOf("DeleteMessageBatch")
      assert.deepStrictEqual(
        calls.map((call) => call.at),
        [0, 1_000, 2_000]
      )
      const stopping = yield* Effect.forkChild(Fiber.interrupt(consumer))
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(stopping)
    })
  )

  it.effect("during an outage, shuts down without waiting for the client's own retries of a receive", () =>
    Effect.gen(function* () {
      // A client whose retries of a failed request would take hours: receives must not use them.
      let sends = 0
      const refusing = {
        send: () => {
          sends++
          return Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))
        }
      } as unknown as SQSClient
      const client = SqsClient.fromClient(refusing, FakeSqs.settings, {
        retrySchedule: Schedule.spaced("1 hour").pipe(Schedule.upTo({ times: 4 }))
      })
      const consumer = yield* Effect.forkChild(
        Consumer.run("jobs", () => Effect.void, { receiveRetrySchedule: Schedule.spaced("1 second") }).pipe(
          Effect.provide(services(client))
        )
      )
      yield* TestClock.adjust("10 seconds")
      assert.isAtLeast(sends, 10, "the poll loop retried the receive on its own schedule")
      const stopping = yield* Effect.forkChild(Fiber.interrupt(consumer))
      yield* TestClock.adjust("1 second")
      assert.isDefined(stopping.pollUnsafe(), "stopped within a second of virtual time, not hours")
    })
  )
})
