/**
 * Every default retry and backoff of the package, in one place. Each one can be replaced where it
 * is used (an option of the client, the producer or the consumer).
 *
 * @since 0.2.0
 */
import { type Duration, Schedule } from "effect"

/** Doubling from `first`, never longer than `longest`, jittered. */
const doublingUpTo = (first: Duration.Input, longest: Duration.Input): Schedule.Schedule<unknown, unknown> =>
  Schedule.min([Schedule.exponential(first), Schedule.spaced(longest)]).pipe(Schedule.jittered)

/**
 * A whole SQS or S3 request that failed transiently (unreachable endpoint, throttling, 5xx):
 * again after 100 ms, 200 ms, 400 ms, 800 ms (jittered), then the error goes to the caller.
 * Receives are not retried by the client (the consumer's poll loop has its own schedule), nor
 * sends that SQS may be storing.
 *
 * @category schedules
 */
export const request: Schedule.Schedule<unknown, unknown> = Schedule.exponential("100 millis").pipe(
  Schedule.jittered,
  Schedule.upTo({ times: 4 })
)

/**
 * Entries of a batch request that SQS failed on its side (sends, deletes, visibility changes):
 * sent again after 50 ms, 100 ms, 200 ms, ... (jittered), 6 times.
 *
 * @category schedules
 */
export const entryRetry: Schedule.Schedule<unknown, unknown> = Schedule.exponential("50 millis").pipe(
  Schedule.jittered,
  Schedule.upTo({ times: 6 })
)

/**
 * Between failed receives of the consumer's poll loop: from 200 ms growing to 20 s, jittered,
 * for as long as the consumer runs.
 *
 * @category schedules
 */
export const receiveRetry: Schedule.Schedule<unknown, unknown> = doublingUpTo("200 millis", "20 seconds")

/**
 * When a message whose handler failed comes back, by its receive count: 1 s, 2 s, 4 s, ...
 * (jittered), at most 15 minutes.
 *
 * @category schedules
 */
export const messageRetryDelay: Schedule.Schedule<unknown, unknown> = doublingUpTo("1 second", "15 minutes")

/**
 * A send refused before it reached SQS (connection refused, host not found), once `request` has
 * given up: it surely was not stored, so it is tried again after 200 ms, growing to 2 s
 * (jittered), for up to 30 s, enough to ride out a restart of the endpoint. (A send that got no
 * answer is never sent again: SQS may be storing it; see `SqsClient`.)
 *
 * @category schedules
 */
export const reconnect: Schedule.Schedule<unknown, unknown> = doublingUpTo("200 millis", "2 seconds").pipe(
  Schedule.upTo({ duration: "30 seconds" })
)

/**
 * Between receives that came back empty without waiting (`waitTime` 0, a short poll): from 50 ms
 * growing to 1 s (jittered), starting over when a receive returns messages. Each receive is billed
 * by AWS; a long poll needs no such pause.
 *
 * @category schedules
 */
export const emptyReceiveBackoff: Schedule.Schedule<unknown, unknown> = doublingUpTo("50 millis", "1 second")
