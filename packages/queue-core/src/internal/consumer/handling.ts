/**
 * Handling one message: the handler runs in a span that continues the sender's trace (under that
 * trace context alone when no tracer is installed), within `handlerTimeout`, and only the handler can be interrupted. Its exit decides the settlement:
 * success deletes; a failure's error chooses retry later, dead-letter or release; a defect
 * counts as a failure (retried later); an interruption by shutdown releases.
 *
 * A message that came wrapped (an SNS envelope, a body stored in S3) is unwrapped first, as part
 * of the handler: a failure to unwrap settles it the same way. Its S3 object is deleted only
 * once SQS has confirmed the message's delete, so that a crash in between leaves an object
 * behind, never a message without its body.
 */
import { Cause, type Clock, Duration, Effect, Metric, Option } from "effect"
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
  /** The consumer's clock, read directly: two reads a message. */
  readonly clock: Clock.Clock
  /**
   * Whether a tracer is installed. Without one a span would be built for no one: the handler then
   * only runs under the sender's trace context, so that what it sends continues that trace.
   */
  readonly tracing: boolean
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
  { settings, clock, tracing, queue, inFlight, settlement, metrics, unwrap }: Dependencies
): HandleOne<R> => {
  const timeout = settings.handlerTimeout
  /** Runs the handler; succeeds with the S3 object the body came from, if it did. */
  const unwrapAndHandle = (message: ReceivedMessage): Effect.Effect<S3Pointer | undefined, unknown, R> =>
    unwrap.needed(message)
      ? Effect.flatMap(unwrap.unwrap(message), (unwrapped) =>
          Effect.as(handler(unwrapped.message), unwrapped.stored)
        )
      : Effect.as(handler(message), undefined)

  const inSpan = (message: ReceivedMessage, handled: Effect.Effect<S3Pointer | undefined, unknown, R>) => {
    const parent = TraceContext.extract(message.messageAttributes)
    if (!tracing) return Option.isNone(parent) ? handled : Effect.withParentSpan(handled, parent.value)
    return handled.pipe(
      Effect.withSpan(
        `${queue.name} process`,
        {
          kind: "consumer",
          attributes: {
            "messaging.system": "aws_sqs",
            "messaging.destination.name": queue.name,
            "messaging.message.id": message.messageId
          },
          ...Option.match(parent, {
            onNone: () => ({}),
            onSome: (parent) => ({ parent })
          })
        },
        // A stack trace per message costs more than the rest of the span; its name says where it is.
        { captureStackTrace: false }
      )
    )
  }

  const runHandler = (message: ReceivedMessage) => {
    const handled = inSpan(message, Effect.interruptible(unwrapAndHandle(message)))
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

  /** After a failure: counted and logged (unless shutdown interrupted it), then settled as it asks. */
  const settleFailure = (held: Held, cause: Cause.Cause<unknown>): Effect.Effect<boolean> => {
    const outcome = outcomeOf(cause)
    const settled =
      outcome._tag === "Release"
        ? settlement.release(held)
        : outcome._tag === "DeadLetter"
          ? settlement.deadLetter(held, outcome.reason)
          : settlement.retryLater(held, outcome.delay)
    const reported = Cause.hasInterruptsOnly(cause)
      ? settled
      : Metric.update(metrics.failed, 1).pipe(
          Effect.andThen(Effect.logWarning(`handler failed (${outcome._tag}): ${outcome.reason}`)),
          Effect.andThen(settled)
        )
    return Effect.as(reported, false)
  }

  // Combinators rather than a generator: this runs once per message.
  return (held) =>
    Effect.suspend(() => {
      inFlight.startHandling(held)
      const started = clock.currentTimeMillisUnsafe()
      return Effect.flatMap(Effect.exit(runHandler(held.message)), (exit) => {
        const took = Metric.update(
          metrics.handlerDuration,
          Duration.millis(clock.currentTimeMillisUnsafe() - started)
        )
        // The last of its receive to finish: the deletes its receive queued go out now.
        const lastOfReceive = --held.receive.unhandled === 0
        if (exit._tag === "Success") {
          const deleted = Effect.andThen(took, settlement.delete(held, exit.value))
          return Effect.as(lastOfReceive ? Effect.andThen(deleted, settlement.flushDeletes) : deleted, true)
        }
        const flushed = lastOfReceive ? Effect.andThen(took, settlement.flushDeletes) : took
        return Effect.andThen(flushed, settleFailure(held, exit.cause))
      })
    }).pipe(
      // Settled (or handed to the deletes) in every path but a defect of the engine itself: never
      // leak its room.
      Effect.onError(() => inFlight.settled(held)),
      Effect.uninterruptible,
      Effect.annotateLogs({ messageId: held.message.messageId })
    )
}
