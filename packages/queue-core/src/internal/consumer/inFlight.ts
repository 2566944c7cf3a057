/**
 * The messages the consumer holds, each in one explicit state, and the capacity they use.
 *
 *     received ──→ handling ──→ settling ──→ settled
 *         │            └──→ deleting ───↑
 *         └────────────────────────↑   (released or dead-lettered without being handled)
 *
 * - A message takes one unit of capacity (`maxInFlight`) when its receive is asked for, and gives
 *   it back only in `settled`, once SQS has confirmed what happened to it (or definitely refused
 *   to). So received-but-unsettled never exceeds `maxInFlight`, and when settlement is slow the
 *   poller waits for room instead of piling up receipts that expire.
 * - Leases extend `received` and `handling` messages. Entering `settling` (a visibility change,
 *   a move to the dead-letter queue) waits for an extension already in flight, so no extension
 *   can reach SQS after the settlement of its message (an extension arriving after a release
 *   would hide the message again).
 * - A message being deleted (`deleting`) stays leased: an extension cannot undo a delete, and a
 *   delete that SQS is slow to confirm (retried, throttled) must not outlast the visibility
 *   timeout, or the message is received again while its delete is still on its way.
 */
import { Deferred, type Duration, Effect, Metric, Option, Semaphore } from "effect"
import type { QueueMetrics } from "../../ConsumerMetrics.ts"
import type { ReceivedMessage } from "./model.ts"

export type State = "received" | "handling" | "settling" | "deleting" | "settled"

/** The messages of one receive: how many of them are still to be handled. */
export interface Receive {
  unhandled: number
}

export interface Held {
  readonly message: ReceivedMessage
  readonly receive: Receive
  /** When it was received (epoch ms), for SQS's 12-hour limit. */
  readonly receivedAt: number
  readonly state: State
  /** Until when SQS keeps it invisible, as far as this consumer knows (epoch ms). */
  visibleUntil: number
  /** Completes when the extension request in flight for it (if any) is answered. */
  extension: Deferred.Deferred<void> | undefined
}

interface Mutable extends Held {
  state: State
}

export interface InFlight {
  /**
   * Takes room for a receive of up to `count` messages: all of it as soon as it is free, or, once
   * `within` has passed, whatever is free when there is room for at least one. Only the waits can
   * be interrupted (as far as the caller allows), and then nothing is taken.
   */
  readonly takeForReceive: (count: number, within: Duration.Duration) => Effect.Effect<number>
  /** Gives back room that a receive did not use. */
  readonly giveBack: (count: number) => Effect.Effect<void>
  /** Holds just-received messages (their room is already taken), invisible for `visibilityMillis`. */
  readonly hold: (
    messages: ReadonlyArray<ReceivedMessage>,
    visibilityMillis: number,
    now: number
  ) => Effect.Effect<ReadonlyArray<Held>>
  readonly startHandling: (held: Held) => void
  /** Enters `settling`, once any extension in flight for the message has been answered. */
  readonly startSettling: (held: Held) => Effect.Effect<void>
  /** Enters `deleting`, at once: its lease goes on until SQS has answered. */
  readonly startDeleting: (held: Held) => Effect.Effect<void>
  /** SQS has answered for the message: its room is free. */
  readonly settled: (held: Held) => Effect.Effect<void>
  /** The same for the messages of one answer, at once. */
  readonly settledAll: (held: ReadonlyArray<Held>) => Effect.Effect<void>
  /** The messages leases keep invisible: received, being handled or being deleted. */
  readonly leased: () => Iterable<Held>
}

/** The states in which a message's lease is kept. */
export const isLeased = (state: State): boolean =>
  state === "received" || state === "handling" || state === "deleting"

export const make = (maxInFlight: number, metrics: QueueMetrics): Effect.Effect<InFlight> =>
  Effect.gen(function* () {
    const room = yield* Semaphore.make(maxInFlight)
    const holding = new Set<Mutable>()
    const gauge = Effect.suspend(() => Metric.update(metrics.inFlight, holding.size))

    const takeAvailable = (count: number) =>
      Effect.gen(function* () {
        let took = 0
        while (took < count && (yield* room.takeIfAvailable(1))) took++
        return took
      })
    // The semaphore's take is all or nothing, also when interrupted: waiting for a whole receive's
    // room never holds part of it, so pollers waiting together do not split freed room between them.
    const takeForReceive = (count: number, within: Duration.Duration) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const all = yield* restore(Effect.timeoutOption(room.take(count), within))
          if (Option.isSome(all)) return count
          yield* restore(room.take(1))
          return 1 + (yield* takeAvailable(count - 1))
        })
      )

    return {
      takeForReceive,
      giveBack: (count) => (count > 0 ? room.release(count) : Effect.void),
      hold: (messages, visibilityMillis, now) =>
        Effect.suspend(() => {
          const receive: Receive = { unhandled: messages.length }
          const held = messages.map(
            (message): Mutable => ({
              message,
              receive,
              receivedAt: now,
              state: "received",
              visibleUntil: now + visibilityMillis,
              extension: undefined
            })
          )
          for (const each of held) holding.add(each)
          return Effect.as(gauge, held)
        }),
      startHandling: (held) => {
        if (held.state === "received") (held as Mutable).state = "handling"
      },
      startSettling: (held) =>
        Effect.suspend(() => {
          ;(held as Mutable).state = "settling"
          return held.extension === undefined ? Effect.void : Deferred.await(held.extension)
        }),
      startDeleting: (held) =>
        Effect.sync(() => {
          ;(held as Mutable).state = "deleting"
        }),
      settled: (held) =>
        Effect.suspend(() => {
          if (held.state === "settled") return Effect.void
          ;(held as Mutable).state = "settled"
          holding.delete(held as Mutable)
          return Effect.andThen(room.release(1), gauge)
        }),
      settledAll: (all) =>
        Effect.suspend(() => {
          let freed = 0
          for (const held of all) {
            if (held.state === "settled") continue
            ;(held as Mutable).state = "settled"
            holding.delete(held as Mutable)
            freed++
          }
          return freed === 0 ? Effect.void : Effect.andThen(room.release(freed), gauge)
        }),
      leased: function* () {
        for (const held of holding) if (isLeased(held.state)) yield held
      }
    } satisfies InFlight
  })
