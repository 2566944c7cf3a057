/**
 * Handling one message: the handler runs in a span that continues the sender's trace, within
 * `handlerTimeout`, and only the handler can be interrupted. Its exit decides the settlement:
 * success deletes; a failure's error chooses retry later, dead-letter or release; a defect
 * counts as a failure (retried later); an interruption by shutdown releases.
 *
 * A message that came wrapped (an SNS envelope, a body stored in S3) is unwrapped first, as part
 * of the handler: a failure to unwrap settles it the same way. Its S3 object is deleted only
 * once SQS has confirmed the message's delete, so that a crash in between leaves an object
 * behind, never a message without its body.
 */
import { Cause, Clock, Duration, Effect, Metric, Option } from "effect"
import type { QueueMetrics } from "../../ConsumerMetrics.ts"
import type { S3Pointer } from "../../LargePayloads.ts"
import type { Queue } from "../../Queues.ts"
import * as TraceContext from "../../TraceContext.ts"
import type { Held, InFlight } from "./inFlight.ts"
import { DeadLetter, type Handler, type ReceivedMessage, Release, RetryLater } from "./model.ts"
import type { Settings } from "./settings.ts"
import type { Settlement } from "./settlement.ts"
import type { Unwrap } from "./unwrap.ts"

/** What to do with a message whose handler did not succeed. */
export type Outcome =
  | { readonly _tag: "Release"; readonly reason: string }
  | { readonly _tag: "RetryLater"; readonly reason: string; readonly delay: Duration.Duration | undefined }
  | { readonly _tag: "DeadLetter"; readonly reason: string }

export const outcomeOf = (cause: Cause.Cause<unknown>): Outcome => {
  if (Cause.hasInterruptsOnly(cause)) return { _tag: "Release", reason: "interrupted by shutdown" }
  const error = Cause.squash(cause)
  if (error instanceof Release) return { _tag: "Release", reason: error.reason }
  if (error instanceof DeadLetter) return { _tag: "DeadLetter", reason: error.reason }
  if (error instanceof RetryLater) return { _tag: "RetryLater", reason: error.reason, delay: error.delay }
  const reason = error instanceof Error ? error.message : String(error)
  return { _tag: "RetryLater", reason: reason === "" ? String(error) : reason, delay: undefined }
}

export interface Dependencies {
  readonly settings: Settings
  readonly queue: Queue
  readonly inFlight: InFlight
  readonly settlement: Settlement
  readonly metrics: QueueMetrics
  readonly unwrap: Unwrap
}

/**
 * Handles and settles one message; true when its handler succeeded. Uninterruptible but for the
 * handler itself.
 */
export type HandleOne<R> = (held: Held) => Effect.Effect<boolean, never, R>

export const make = <E, R>(
  handler: Handler<E, R>,
  { settings, queue, inFlight, settlement, metrics, unwrap }: Dependencies
): HandleOne<R> => {
  const timeout = settings.handlerTimeout
  /** Runs the handler; succeeds with the S3 object the body came from, if it did. */
  const unwrapAndHandle = (message: ReceivedMessage): Effect.Effect<S3Pointer | undefined, unknown, R> =>
    unwrap.needed(message)
      ? Effect.flatMap(unwrap.unwrap(message), (unwrapped) =>
          Effect.as(handler(unwrapped.message), unwrapped.stored)
        )
      : Effect.as(handler(message), undefined)

  const runHandler = (message: ReceivedMessage) => {
    const handled = Effect.interruptible(unwrapAndHandle(message)).pipe(
      Effect.withSpan(
        `${queue.name} process`,
        {
          kind: "consumer",
          attributes: {
            "messaging.system": "aws_sqs",
            "messaging.destination.name": queue.name,
            "messaging.message.id": message.messageId
          },
          ...Option.match(TraceContext.extract(message.messageAttributes), {
            onNone: () => ({}),
            onSome: (parent) => ({ parent })
          })
        },
        // A stack trace per message costs more than the rest of the span; its name says where it is.
        { captureStackTrace: false }
      )
    )
    return timeout === undefined
      ? handled
      : handled.pipe(
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () =>
              Effect.fail(
                new RetryLater({ reason: `the handler timed out after ${Duration.format(timeout)}` })
              )
          })
        )
  }

  return (held) =>
    Effect.gen(function* () {
      inFlight.startHandling(held)
      const started = yield* Clock.currentTimeMillis
      const exit = yield* Effect.exit(runHandler(held.message))
      yield* Metric.update(
        metrics.handlerDuration,
        Duration.millis((yield* Clock.currentTimeMillis) - started)
      )
      if (exit._tag === "Success") {
        const deleted = yield* settlement.delete(held)
        if (deleted && exit.value !== undefined) yield* unwrap.deleted(exit.value)
        return true
      }
      const outcome = outcomeOf(exit.cause)
      if (!Cause.hasInterruptsOnly(exit.cause)) {
        yield* Metric.update(metrics.failed, 1)
        yield* Effect.logWarning(`handler failed (${outcome._tag}): ${outcome.reason}`)
      }
      switch (outcome._tag) {
        case "Release":
          yield* settlement.release(held)
          break
        case "DeadLetter":
          yield* settlement.deadLetter(held, outcome.reason)
          break
        case "RetryLater":
          yield* settlement.retryLater(held, outcome.delay)
      }
      return false
    }).pipe(
      // Settled already in every path but a defect of the engine itself: never leak its room.
      Effect.ensuring(inFlight.settled(held)),
      Effect.uninterruptible,
      Effect.annotateLogs({ messageId: held.message.messageId })
    )
}
