/**
 * The request layer's one policy, for SQS's and S3's clients alike: each attempt under a
 * deadline, its failure already classified into a typed error, and retried while that error
 * says trying again is safe, each retry logged as it starts. (The entry layer, entries of a
 * batch that SQS failed on its side, is `entryBatcher.ts`'s; the SDKs' own retries are off.)
 */
import { Duration, Effect, Schedule } from "effect"

/** A retry stage: `schedule` for the errors `retryWhile` accepts. */
export interface Retry<E> {
  readonly schedule: Schedule.Schedule<unknown, E>
  readonly retryWhile: (error: E) => boolean
}

/** How retries are logged: the line for an error, and whether it is a warning (else debug). */
export interface RetryLog<E> {
  readonly describe: (error: E) => string
  readonly warn: (error: E) => boolean
}

/** Whole milliseconds: a jittered delay would print its nanoseconds. */
const formatDelay = (duration: Duration.Duration): string =>
  Duration.format(Duration.millis(Math.round(Duration.toMillis(duration))))

/**
 * Retries a request under `stages`, in order (each starts once the one before gave up), logging
 * each retry it makes (and none other). Built once per action, applied to each call.
 */
export const retrying = <E>(
  stages: ReadonlyArray<Retry<E>>,
  log: RetryLog<E>
): (<A, Failure extends E>(attempt: Effect.Effect<A, Failure>) => Effect.Effect<A, Failure>) => {
  const schedules = stages.map(({ schedule, retryWhile }) =>
    Schedule.tap(
      Schedule.while(schedule, ({ input }) => retryWhile(input)),
      ({ input: error, duration, attempt }) => {
        const line = `${log.describe(error)}; retry ${attempt} in ${formatDelay(duration)}`
        return log.warn(error) ? Effect.logWarning(line) : Effect.logDebug(line)
      }
    )
  )
  return (attempt) => schedules.reduce((effect, schedule) => retryAfterFailure(effect, schedule), attempt)
}

/**
 * `Effect.retry`, with the schedule started at the first failure (which it is given as its first
 * input) rather than before the first attempt: a call that succeeds, nearly every call, costs no
 * schedule state. Used for every retry of a request or of a batch's entries.
 */
export const retryAfterFailure = <A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, E>
): Effect.Effect<A, E, R> =>
  Effect.catch(attempt, (first) => {
    let replayed = false
    return Effect.retry(
      Effect.suspend(() => {
        if (replayed) return attempt
        replayed = true
        return Effect.fail(first)
      }),
      schedule
    )
  })

/** One attempt, failing with `missed()` if it has not ended within `deadline` (it is interrupted). */
export const withDeadline = <A, E>(
  attempt: Effect.Effect<A, E>,
  deadline: Duration.Duration,
  missed: () => E
): Effect.Effect<A, E> =>
  Effect.timeoutOrElse(attempt, { duration: deadline, orElse: () => Effect.fail(missed()) })
