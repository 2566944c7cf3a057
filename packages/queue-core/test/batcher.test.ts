import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Batcher from "../src/internal/batcher.ts"

const recording = Effect.gen(function* () {
  const flushed = yield* Ref.make<Array<ReadonlyArray<number>>>([])
  const flush = (items: ReadonlyArray<number>) => Ref.update(flushed, (all) => [...all, items])
  return { flushed, flush }
})

describe("batcher", () => {
  it.effect("waits the delay after the first item so others can share its batch", () =>
    Effect.gen(function* () {
      const { flushed, flush } = yield* recording
      const batcher = yield* Batcher.make(flush, { maxSize: 10, delay: "20 millis" })
      yield* batcher.offer(1)
      yield* Effect.yieldNow
      yield* TestClock.adjust("10 millis")
      yield* batcher.offer(2)
      assert.deepStrictEqual(yield* Ref.get(flushed), [])
      yield* TestClock.adjust("10 millis")
      assert.deepStrictEqual(yield* Ref.get(flushed), [[1, 2]])
    }).pipe(Effect.scoped)
  )

  it.effect("never puts more than maxSize items in one batch", () =>
    Effect.gen(function* () {
      const { flushed, flush } = yield* recording
      const batcher = yield* Batcher.make(flush, { maxSize: 10, delay: "20 millis" })
      for (let i = 0; i < 25; i++) yield* batcher.offer(i)
      for (let i = 0; i < 3; i++) {
        yield* Effect.yieldNow
        yield* TestClock.adjust("20 millis")
      }
      assert.deepStrictEqual(
        (yield* Ref.get(flushed)).map((batch) => batch.length),
        [10, 10, 5]
      )
    }).pipe(Effect.scoped)
  )

  it.effect("flushes what is pending when its scope closes", () =>
    Effect.gen(function* () {
      const { flushed, flush } = yield* recording
      yield* Effect.scoped(
        Effect.gen(function* () {
          const batcher = yield* Batcher.make(flush, { maxSize: 10, delay: "1 hour" })
          for (let i = 0; i < 12; i++) yield* batcher.offer(i)
          yield* Effect.yieldNow
        })
      )
      assert.deepStrictEqual(
        (yield* Ref.get(flushed)).flat().toSorted((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i)
      )
    })
  )
})
