import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { delayAt } from "../src/internal/scheduleDelay.ts"

describe("delayAt", () => {
  it.effect("gives the schedule's delay at a step: the backoff for a receive count", () =>
    Effect.gen(function* () {
      const backoff = Schedule.min([Schedule.exponential("1 second"), Schedule.spaced("10 seconds")])
      const delays = []
      for (const step of [1, 2, 3, 4, 5, 6])
        delays.push(Duration.toSeconds(yield* delayAt(backoff, step, undefined)))
      assert.deepStrictEqual(delays, [1, 2, 4, 8, 10, 10])
    })
  )

  it.effect("keeps the last delay once a schedule has ended", () =>
    Effect.gen(function* () {
      const three = Schedule.exponential("1 second").pipe(Schedule.upTo({ times: 3 }))
      assert.strictEqual(Duration.toSeconds(yield* delayAt(three, 10, undefined)), 4)
    })
  )
})
