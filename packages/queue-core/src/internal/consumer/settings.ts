/**
 * The consumer's options, checked against SQS's limits and completed with defaults.
 */
import { Duration, Effect, Option, type Schedule } from "effect"
import * as Schedules from "../../Schedules.ts"
import type { SqsError } from "../../SqsError.ts"
import {
  defaultReceiveRetrySchedule,
  defaultRetryDelay,
  InvalidOptions,
  limits,
  type Options,
  type ReceivedMessage
} from "./model.ts"

export interface Settings {
  readonly maxMessages: number
  readonly waitSeconds: number
  readonly maxInFlight: number
  /** The visibility asked for on receive; the queue's own when undefined. */
  readonly visibility: Duration.Duration | undefined
  readonly handlerTimeout: Duration.Duration | undefined
  readonly shutdownTimeout: Duration.Duration
  readonly deleteFlushDelay: Duration.Duration
  readonly settlementConcurrency: number
  readonly entryRetrySchedule: Schedule.Schedule<unknown, unknown>
  readonly receiveRetrySchedule: Schedule.Schedule<unknown, SqsError>
  readonly emptyReceiveBackoff: Schedule.Schedule<unknown, unknown>
  readonly partialReceivePause: Duration.Duration
  readonly retryDelay: Schedule.Schedule<unknown, ReceivedMessage>
  readonly unwrapSns: boolean
  readonly keepPayloads: boolean
}

const durationOption = (
  name: string,
  input: Duration.Input | undefined,
  range?: { readonly min: Duration.Duration; readonly max: Duration.Duration }
): Effect.Effect<Duration.Duration | undefined, InvalidOptions> => {
  if (input === undefined) return Effect.succeed(undefined)
  const duration = Duration.fromInput(input)
  if (Option.isNone(duration)) {
    return Effect.fail(new InvalidOptions({ message: `${name} must be a duration, got ${String(input)}` }))
  }
  if (
    range !== undefined &&
    (Duration.isLessThan(duration.value, range.min) || Duration.isGreaterThan(duration.value, range.max))
  ) {
    return Effect.fail(
      new InvalidOptions({
        message: `${name} must be from ${Duration.format(range.min)} to ${Duration.format(range.max)}, got ${Duration.format(duration.value)}`
      })
    )
  }
  return Effect.succeed(duration.value)
}

const positiveInteger = (name: string, value: number, range: { readonly max?: number } = {}) =>
  Number.isInteger(value) && value >= 1 && (range.max === undefined || value <= range.max)
    ? Effect.succeed(value)
    : Effect.fail(
        new InvalidOptions({
          message:
            range.max === undefined
              ? `${name} must be a positive integer, got ${value}`
              : `${name} must be an integer from 1 to ${range.max}, got ${value}`
        })
      )

/**
 * Checks options and fills in defaults.
 */
export const settings = Effect.fnUntraced(function* (options: Options) {
  const maxMessages = yield* positiveInteger("maxMessages", options.maxMessages ?? 10, {
    max: limits.maxMessages.max
  })
  const maxInFlight = yield* positiveInteger("maxInFlight", options.maxInFlight ?? 10)
  const settlementConcurrency = yield* positiveInteger(
    "settlementConcurrency",
    options.settlementConcurrency ?? Math.min(16, Math.max(2, Math.ceil(maxInFlight / 10)))
  )
  const wait = (yield* durationOption("waitTime", options.waitTime, limits.waitTime)) ?? limits.waitTime.max
  if (options.sns !== undefined && options.sns !== "unwrap" && options.sns !== "keep")
    return yield* new InvalidOptions({
      message: `sns must be "unwrap" or "keep", got ${String(options.sns)}`
    })
  return {
    maxMessages,
    maxInFlight,
    waitSeconds: Math.floor(Duration.toSeconds(wait)),
    visibility: yield* durationOption(
      "visibilityTimeout",
      options.visibilityTimeout,
      limits.visibilityTimeout
    ),
    handlerTimeout: yield* durationOption("handlerTimeout", options.handlerTimeout),
    shutdownTimeout:
      (yield* durationOption("shutdownTimeout", options.shutdownTimeout)) ?? Duration.seconds(10),
    deleteFlushDelay:
      (yield* durationOption("deleteFlushDelay", options.deleteFlushDelay)) ?? Duration.millis(10),
    settlementConcurrency,
    entryRetrySchedule: options.entryRetrySchedule ?? Schedules.entryRetry,
    receiveRetrySchedule: options.receiveRetrySchedule ?? defaultReceiveRetrySchedule,
    emptyReceiveBackoff: options.emptyReceiveBackoff ?? Schedules.emptyReceiveBackoff,
    partialReceivePause:
      (yield* durationOption("partialReceivePause", options.partialReceivePause)) ?? Duration.millis(10),
    retryDelay: options.retryDelay ?? defaultRetryDelay,
    unwrapSns: options.sns === "unwrap",
    keepPayloads: options.keepPayloads ?? false
  } satisfies Settings
})
