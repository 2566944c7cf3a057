/**
 * The delay a schedule gives at its n-th step, so that a retry delay can be derived from a
 * message's receive count rather than from a loop in this process.
 */
import { Duration, Effect, Exit, Schedule } from "effect"

export const delayAt = <Out, In>(
  schedule: Schedule.Schedule<Out, In>,
  step: number,
  input: In
): Effect.Effect<Duration.Duration> =>
  Effect.gen(function* () {
    const next = yield* Schedule.toStep(schedule)
    let now = 0
    let delay = Duration.zero
    for (let i = 0; i < step; i++) {
      const result = yield* Effect.exit(next(now, input))
      // A schedule that has ended keeps its last delay.
      if (Exit.isFailure(result)) break
      delay = result.value[1]
      now += Duration.toMillis(delay)
    }
    return delay
  })
