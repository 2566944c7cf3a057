/**
 * Leases in virtual time: extensions before the visibility lapses, in shared requests, kept while
 * a delete waits, stopped once another settlement starts, capped at 12 hours.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Deferred, Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { ConsumerMetrics } from "../src/index.ts"
import * as InFlight from "../src/internal/consumer/inFlight.ts"
import * as Leases from "../src/internal/consumer/leases.ts"
import * as FakeSqs from "./fakeSqs.ts"

const metrics = ConsumerMetrics.forQueue("leases-test")

const message = (receiptHandle: string) => ({
  messageId: receiptHandle,
  body: "",
  receiptHandle,
  receiveCount: 1,
  groupId: undefined,
  attributes: {},
  messageAttributes: {},
  queue: FakeSqs.queue
})

/** Leases over an InFlight holding `receipts`, with extensions recorded as they are sent. */
const leasing = (
  receipts: ReadonlyArray<string>,
  visibility: Duration.Duration,
  extend: (receiptHandle: string, seconds: number) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.gen(function* () {
    const calls: Array<{ readonly receiptHandle: string; readonly seconds: number; readonly at: number }> = []
    const inFlight = yield* InFlight.make(1_000, metrics)
    const held = yield* inFlight.hold(
      receipts.map(message),
      Duration.toMillis(visibility),
      yield* Clock.currentTimeMillis
    )
    yield* Leases.start({
      inFlight,
      visibility,
      metrics,
      extend: (receiptHandle, seconds) =>
        Effect.flatMap(Clock.currentTimeMillis, (at) =>
          Effect.andThen(
            Effect.sync(() => calls.push({ receiptHandle, seconds, at })),
            extend(receiptHandle, seconds)
          )
        )
    })
    return { calls, held, inFlight }
  })

describe("leases", () => {
  it.effect("extends a message in progress before its visibility timeout lapses, again and again", () =>
    Effect.gen(function* () {
      const { calls } = yield* leasing(["r1"], Duration.seconds(30))
      yield* TestClock.adjust("14 seconds")
      assert.strictEqual(calls.length, 0)
      yield* TestClock.adjust("8 seconds")
      assert.strictEqual(calls.length, 1)
      // Checked every 7.5 s (a quarter of the visibility), due once half of it is left: at 15 s.
      assert.deepStrictEqual(calls[0], { receiptHandle: "r1", seconds: 30, at: 15_000 })
      yield* TestClock.adjust("90 seconds")
      assert.isAtLeast(calls.length, 4)
      for (const [i, call] of calls.entries()) {
        const previousEnd = i === 0 ? 30_000 : calls[i - 1]!.at + 30_000
        assert.isBelow(call.at, previousEnd, `extension ${i} came before the visibility lapsed`)
      }
    }).pipe(Effect.scoped)
  )

  it.effect("submits the extensions that are due together, so that they share requests", () =>
    Effect.gen(function* () {
      const { calls } = yield* leasing(
        Array.from({ length: 25 }, (_, i) => `r${i}`),
        Duration.seconds(30)
      )
      yield* TestClock.adjust("22 seconds")
      assert.strictEqual(calls.length, 25)
      assert.strictEqual(new Set(calls.map((call) => call.at)).size, 1, "all at the same instant")
    }).pipe(Effect.scoped)
  )

  it.effect("stops extending a message once its settlement has started", () =>
    Effect.gen(function* () {
      const { calls, held, inFlight } = yield* leasing(["r1"], Duration.seconds(30))
      yield* TestClock.adjust("10 seconds")
      yield* inFlight.startSettling(held[0]!)
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual(calls.length, 0)
    }).pipe(Effect.scoped)
  )

  it.effect("keeps extending a message while its delete waits for SQS, and stops once it is settled", () =>
    Effect.gen(function* () {
      const { calls, held, inFlight } = yield* leasing(["r1"], Duration.seconds(30))
      yield* TestClock.adjust("10 seconds")
      // A delete SQS is slow to confirm (retried, throttled): the message must stay invisible.
      yield* inFlight.startDeleting(held[0]!)
      yield* TestClock.adjust("60 seconds")
      assert.isAtLeast(calls.length, 2)
      for (const [i, call] of calls.entries()) {
        const previousEnd = i === 0 ? 30_000 : calls[i - 1]!.at + 30_000
        assert.isBelow(call.at, previousEnd, `extension ${i} came before the visibility lapsed`)
      }
      yield* inFlight.settled(held[0]!)
      const before = calls.length
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual(calls.length, before)
    }).pipe(Effect.scoped)
  )

  it.effect("a settlement that starts while an extension is in flight waits for its answer", () =>
    Effect.gen(function* () {
      const answer = yield* Deferred.make<void>()
      const { calls, held, inFlight } = yield* leasing(["r1"], Duration.seconds(30), () =>
        Deferred.await(answer)
      )
      yield* TestClock.adjust("22 seconds")
      assert.strictEqual(calls.length, 1, "an extension is in flight")
      const settling = yield* Effect.forkChild(inFlight.startSettling(held[0]!))
      yield* Effect.yieldNow
      assert.isUndefined(settling.pollUnsafe(), "the settlement waits")
      yield* Deferred.succeed(answer, undefined)
      yield* Fiber.join(settling)
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual(calls.length, 1, "and no extension follows it")
    }).pipe(Effect.scoped)
  )

  it.effect("never extends past 12 hours from the receive", () =>
    Effect.gen(function* () {
      const { calls } = yield* leasing(["r1"], Duration.hours(5))
      yield* TestClock.adjust("13 hours")
      const lastEnd = Math.max(...calls.map((call) => call.at + call.seconds * 1000))
      assert.isAtLeast(calls.length, 2)
      assert.isAtMost(lastEnd, Duration.toMillis(Duration.hours(12)))
    }).pipe(Effect.scoped)
  )
})
