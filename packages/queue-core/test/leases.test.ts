import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import * as Leases from "../src/internal/leases.ts"
import * as FakeSqs from "./fakeSqs.ts"

describe("leases", () => {
  it.effect("extends a message in progress before its visibility timeout lapses, again and again", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make()
      const leases = yield* Leases.make(sqs.client, FakeSqs.queue, { visibility: Duration.seconds(30) })
      yield* leases.track("r1")
      yield* TestClock.adjust("14 seconds")
      assert.strictEqual((yield* sqs.callsOf("ChangeMessageVisibilityBatch")).length, 0)
      yield* TestClock.adjust("8 seconds")
      const calls = yield* sqs.callsOf("ChangeMessageVisibilityBatch")
      assert.strictEqual(calls.length, 1)
      assert.isBelow(calls[0]!.at, 30_000, "extended before the 30 s lapsed")
      assert.deepStrictEqual(calls[0]!.input.Entries, [
        { Id: "0", ReceiptHandle: "r1", VisibilityTimeout: 30 }
      ])
      yield* TestClock.adjust("90 seconds")
      const later = yield* sqs.callsOf("ChangeMessageVisibilityBatch")
      assert.isAtLeast(later.length, 4)
      for (const [i, call] of later.entries()) {
        const previousEnd = i === 0 ? 30_000 : later[i - 1]!.at + 30_000
        assert.isBelow(call.at, previousEnd, `extension ${i} came before the visibility lapsed`)
      }
    }).pipe(Effect.scoped)
  )

  it.effect("groups extensions of many messages into batches of 10", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make()
      const leases = yield* Leases.make(sqs.client, FakeSqs.queue, { visibility: Duration.seconds(30) })
      for (let i = 0; i < 25; i++) yield* leases.track(`r${i}`)
      yield* TestClock.adjust("22 seconds")
      const calls = yield* sqs.callsOf("ChangeMessageVisibilityBatch")
      assert.deepStrictEqual(
        calls.map((call) => call.input.Entries.length),
        [10, 10, 5]
      )
    }).pipe(Effect.scoped)
  )

  it.effect("stops extending a message once it is handled", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make()
      const leases = yield* Leases.make(sqs.client, FakeSqs.queue, { visibility: Duration.seconds(30) })
      yield* leases.track("r1")
      yield* TestClock.adjust("10 seconds")
      leases.untrack("r1")
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual((yield* sqs.callsOf("ChangeMessageVisibilityBatch")).length, 0)
    }).pipe(Effect.scoped)
  )

  it.effect("never extends past 12 hours from the receive", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make()
      const leases = yield* Leases.make(sqs.client, FakeSqs.queue, { visibility: Duration.hours(5) })
      yield* leases.track("r1")
      yield* TestClock.adjust("13 hours")
      const calls = yield* sqs.callsOf("ChangeMessageVisibilityBatch")
      const lastEnd = Math.max(
        ...calls.map((call) => call.at + call.input.Entries[0].VisibilityTimeout * 1000)
      )
      assert.isAtLeast(calls.length, 2)
      assert.isAtMost(lastEnd, Duration.toMillis(Duration.hours(12)))
    }).pipe(Effect.scoped)
  )
})
