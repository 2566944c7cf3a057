/**
 * Keeps the messages the consumer holds invisible while they wait or are handled: when half of a
 * message's visibility timeout is left, its visibility is extended (ChangeMessageVisibilityBatch,
 * batched with the other visibility changes). Only `received`, `handling` and `deleting` messages
 * are extended, one request at a time per message, never past SQS's 12 hours from the receive; a
 * message whose other settlement has started is never extended again (see `InFlight`).
 */
import { Clock, Deferred, Duration, Effect, Metric, Schedule, type Scope } from "effect"
import type { QueueMetrics } from "../../ConsumerMetrics.ts"
import { type Held, type InFlight, isLeased } from "./inFlight.ts"
import { MAX_LEASE } from "./model.ts"

export interface Dependencies {
  readonly inFlight: InFlight
  /** The visibility timeout given on receive and on every extension. */
  readonly visibility: Duration.Duration
  readonly extend: (
    receiptHandle: string,
    seconds: number
  ) => Effect.Effect<unknown, { readonly message: string }>
  readonly metrics: QueueMetrics
}

/** How often leases are checked for a visibility timeout: four times per timeout, 50 ms to 1 minute. */
export const tickOf = (visibility: Duration.Duration): Duration.Duration =>
  Duration.millis(Math.min(Math.max(Duration.toMillis(visibility) / 4, 50), 60_000))

/** Starts the lease keeper for the scope's lifetime. */
export const start = ({
  inFlight,
  visibility,
  extend,
  metrics
}: Dependencies): Effect.Effect<void, never, Scope.Scope> => {
  const visibilityMillis = Duration.toMillis(visibility)
  const margin = visibilityMillis / 2

  const extendOne = (held: Held, seconds: number, now: number) =>
    Effect.suspend(() => {
      // Checked again here, synchronously with marking the extension: a settlement that started
      // meanwhile gets no extension; one that starts after waits for this one's answer.
      if (!isLeased(held.state)) return Effect.succeed(true)
      const answered = Deferred.makeUnsafe<void>()
      held.extension = answered
      return extend(held.message.receiptHandle, seconds).pipe(
        Effect.matchEffect({
          onSuccess: () =>
            Effect.suspend(() => {
              held.visibleUntil = now + seconds * 1000
              return Effect.as(Metric.update(metrics.leaseExtensions, 1), true)
            }),
          // A delete confirmed meanwhile makes the extension fail, harmlessly.
          onFailure: () => Effect.succeed(held.state === "settled")
        }),
        Effect.ensuring(
          Effect.suspend(() => {
            held.extension = undefined
            return Deferred.succeed(answered, undefined)
          })
        )
      )
    })

  const extendDue = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const due: Array<{ readonly held: Held; readonly seconds: number }> = []
    for (const held of inFlight.leased()) {
      if (held.extension !== undefined || held.visibleUntil - now > margin) continue
      const leftUnderCap = Math.floor((held.receivedAt + Duration.toMillis(MAX_LEASE) - now) / 1000)
      const seconds = Math.min(Math.ceil(visibilityMillis / 1000), leftUnderCap)
      if (seconds > 0) due.push({ held, seconds })
    }
    if (due.length === 0) return
    // Submitted together, so that they share requests of 10.
    const results = yield* Effect.forEach(due, ({ held, seconds }) => extendOne(held, seconds, now), {
      concurrency: "unbounded"
    })
    const failures = results.filter((ok) => !ok).length
    if (failures > 0) {
      yield* Effect.logWarning(
        `could not extend the visibility of ${failures} message(s) in progress: they may be received again`
      )
    }
  })

  return visibilityMillis > 0
    ? Effect.asVoid(Effect.forkScoped(Effect.repeat(extendDue, Schedule.spaced(tickOf(visibility)))))
    : Effect.void
}
