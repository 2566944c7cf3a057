/**
 * The one batching mechanism, in virtual time: grouping, limits, bounded concurrency, a result per
 * entry, and the one entry-retry loop.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Schedule } from "effect"
import { TestClock } from "effect/testing"
import * as EntryBatcher from "../src/internal/entryBatcher.ts"

interface Entry {
  readonly value: string
}

/** A batch action that records each request and answers with `answer` (default: all succeed). */
const recording = (
  answer: (
    entries: ReadonlyArray<Entry & { Id: string }>,
    call: number
  ) => Effect.Effect<EntryBatcher.Response<{ Id: string; value: string }>, string> = (entries) =>
    Effect.succeed({ Successful: entries.map((entry) => ({ Id: entry.Id, value: entry.value })) })
) => {
  const requests: Array<ReadonlyArray<string>> = []
  const send = (_queueUrl: string, entries: Array<Entry & { Id: string }>) =>
    Effect.suspend(() => {
      requests.push(entries.map((entry) => entry.value))
      return answer(entries, requests.length)
    })
  return { requests, send }
}

const batcherFor = (
  send: ReturnType<typeof recording>["send"],
  options: Partial<EntryBatcher.Options<Entry, { Id: string; value: string }, string>> = {}
) =>
  EntryBatcher.make<Entry, { Id: string; value: string }, string>({
    send,
    delay: Duration.millis(20),
    concurrency: 4,
    entryRetrySchedule: Schedule.spaced("100 millis").pipe(Schedule.upTo({ times: 3 })),
    ...options
  })

const submitAll = (
  batcher: EntryBatcher.EntryBatcher<Entry, unknown, string>,
  values: ReadonlyArray<string>
) =>
  Effect.forEach(values, (value) => Effect.exit(batcher.submit("q", { value })), { concurrency: "unbounded" })

describe("EntryBatcher", () => {
  it.effect("waits the delay after the first entry so that others can share its request", () =>
    Effect.gen(function* () {
      const { requests, send } = recording()
      const batcher = yield* batcherFor(send)
      const first = yield* Effect.forkChild(batcher.submit("q", { value: "a" }))
      yield* TestClock.adjust("10 millis")
      const second = yield* Effect.forkChild(batcher.submit("q", { value: "b" }))
      yield* Effect.yieldNow
      assert.deepStrictEqual(requests, [])
      yield* TestClock.adjust("10 millis")
      assert.deepStrictEqual(requests, [["a", "b"]])
      assert.strictEqual((yield* Fiber.join(first)).value, "a", "each caller gets its own entry's answer")
      assert.strictEqual((yield* Fiber.join(second)).value, "b")
    })
  )

  it.effect("sends a full request at once, never more than 10 entries or 1 MiB", () =>
    Effect.gen(function* () {
      const { requests, send } = recording()
      const batcher = yield* batcherFor(send, { delay: Duration.hours(1) })
      const all = yield* Effect.forkChild(
        submitAll(
          batcher,
          Array.from({ length: 20 }, (_, i) => `${i}`)
        )
      )
      yield* Effect.yieldNow
      assert.deepStrictEqual(
        requests.map((request) => request.length),
        [10, 10],
        "full requests did not wait the hour"
      )
      yield* Fiber.join(all)
      const sized = Array.from({ length: 3 }, (_, i) =>
        Effect.forkChild(batcher.submit("big", { value: `big ${i}` }, 600_000))
      )
      for (const fork of sized) yield* fork
      yield* TestClock.adjust("1 hour")
      assert.deepStrictEqual(requests.slice(2), [["big 0"], ["big 1"], ["big 2"]])
    })
  )

  it.effect("keeps at most `concurrency` requests in flight; the others wait for a slot", () =>
    Effect.gen(function* () {
      let inFlight = 0
      let peak = 0
      const { requests, send } = recording((entries) =>
        Effect.suspend(() => {
          peak = Math.max(peak, ++inFlight)
          return Effect.sleep("1 second").pipe(
            Effect.ensuring(Effect.sync(() => inFlight--)),
            Effect.as({ Successful: entries.map((entry) => ({ Id: entry.Id, value: entry.value })) })
          )
        })
      )
      const batcher = yield* batcherFor(send, { concurrency: 3 })
      const all = yield* Effect.forkChild(
        submitAll(
          batcher,
          Array.from({ length: 100 }, (_, i) => `${i}`)
        )
      )
      yield* TestClock.adjust("20 millis")
      assert.strictEqual(requests.length, 3, "three requests went out; seven wait")
      yield* TestClock.adjust("10 seconds")
      const exits = yield* Fiber.join(all)
      assert.isTrue(exits.every(Exit.isSuccess))
      assert.strictEqual(requests.length, 10)
      assert.strictEqual(peak, 3)
    })
  )

  it.effect("sends again only the entries SQS failed on its side, or did not report on", () =>
    Effect.gen(function* () {
      const { requests, send } = recording((entries, call) =>
        Effect.succeed(
          call === 1
            ? {
                Successful: [{ Id: entries[0]!.Id, value: entries[0]!.value }],
                Failed: [{ Id: entries[1]!.Id, Code: "InternalError", SenderFault: false }]
                // entries[2] is missing from the answer
              }
            : { Successful: entries.map((entry) => ({ Id: entry.Id, value: entry.value })) }
        )
      )
      const batcher = yield* batcherFor(send)
      const all = yield* Effect.forkChild(submitAll(batcher, ["a", "b", "c"]))
      yield* TestClock.adjust("1 second")
      assert.isTrue((yield* Fiber.join(all)).every(Exit.isSuccess))
      assert.deepStrictEqual(requests, [
        ["a", "b", "c"],
        ["b", "c"]
      ])
    })
  )

  it.effect(
    "answers an entry refused for its own fault at once, with SQS's code, and never sends it again",
    () =>
      Effect.gen(function* () {
        const { requests, send } = recording((entries) =>
          Effect.succeed({
            Successful: [{ Id: entries[0]!.Id, value: entries[0]!.value }],
            Failed: entries.slice(1).map((entry) => ({
              Id: entry.Id,
              Code: "ReceiptHandleIsInvalid",
              Message: "expired",
              SenderFault: true
            }))
          })
        )
        const batcher = yield* batcherFor(send)
        const all = yield* Effect.forkChild(submitAll(batcher, ["ok", "expired"]))
        yield* TestClock.adjust("10 seconds")
        const [ok, refused] = yield* Fiber.join(all)
        assert.isTrue(Exit.isSuccess(ok!))
        assert.deepStrictEqual(
          refused,
          Exit.fail(
            new EntryBatcher.EntryFailed({
              code: "ReceiptHandleIsInvalid",
              reason: "expired",
              senderFault: true
            })
          )
        )
        assert.strictEqual(requests.length, 1)
      })
  )

  it.effect("fails entries SQS keeps failing on its side once the schedule ends, with the last code", () =>
    Effect.gen(function* () {
      const { requests, send } = recording((entries) =>
        Effect.succeed({ Failed: entries.map((entry) => ({ Id: entry.Id, Code: "ThrottlingException" })) })
      )
      const batcher = yield* batcherFor(send)
      const all = yield* Effect.forkChild(submitAll(batcher, ["a"]))
      yield* TestClock.adjust("10 seconds")
      const [exit] = yield* Fiber.join(all)
      assert.deepStrictEqual(
        exit,
        Exit.fail(
          new EntryBatcher.EntryFailed({ code: "ThrottlingException", reason: "", senderFault: false })
        )
      )
      assert.strictEqual(requests.length, 4, "the first attempt and three retries")
    })
  )

  it.effect("fails every entry of a request that failed as a whole, without an entry retry of its own", () =>
    Effect.gen(function* () {
      const { requests, send } = recording(() => Effect.fail("unreachable"))
      const batcher = yield* batcherFor(send)
      const all = yield* Effect.forkChild(submitAll(batcher, ["a", "b"]))
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.join(all), [Exit.fail("unreachable"), Exit.fail("unreachable")])
      assert.strictEqual(requests.length, 1)
    })
  )

  it.effect("groups entries by queue", () =>
    Effect.gen(function* () {
      const urls: Array<string> = []
      const batcher = yield* batcherFor((queueUrl, entries) =>
        Effect.sync(() => {
          urls.push(queueUrl)
          return { Successful: entries.map((entry) => ({ Id: entry.Id, value: entry.value })) }
        })
      )
      const done = yield* Deferred.make<void>()
      yield* Effect.forkChild(
        Effect.all([batcher.submit("q1", { value: "a" }), batcher.submit("q2", { value: "b" })], {
          concurrency: "unbounded"
        }).pipe(Effect.andThen(Deferred.succeed(done, undefined)))
      )
      yield* TestClock.adjust("20 millis")
      yield* Deferred.await(done)
      assert.deepStrictEqual(urls.toSorted(), ["q1", "q2"])
    })
  )
})
