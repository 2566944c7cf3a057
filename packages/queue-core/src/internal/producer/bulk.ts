/**
 * A bulk send: a stream of any length sent with bounded concurrency and constant memory, a batch
 * at a time, counting what was sent and what failed, keeping the first failures and reporting
 * progress.
 *
 * It can be stopped part-way (`stopWhen`: no further item is taken, the batches in flight are
 * answered) or abandoned (`abandonWhen`: the batches in flight are interrupted, their messages
 * counted as abandoned). Either way the summary says how far it got: the longest prefix of the
 * stream whose items were all answered, so that the rest can be sent again from there.
 */
import { Clock, Effect, Exit, Option, Stream } from "effect"
import { MAX_ENTRIES as GROUP_SIZE } from "../entryBatcher.ts"
import {
  type BulkFailure,
  type BulkOptions,
  type BulkSummary,
  describeFailure,
  type ProducerError,
  type Progress,
  requestsInFlight,
  type Sent
} from "./model.ts"

/** How long a batch waits for the stream to give it 10 messages before it goes out smaller. */
const GATHER_WITHIN = "10 millis"

/** A group answered ahead of an earlier one: it joins the prefix when the gap before it closes. */
interface Answered<A> {
  readonly length: number
  readonly sent: number
  readonly last: A
}

/**
 * Sends the stream batch by batch: items are gathered into groups of up to 10 (or what arrived
 * within 10 ms) before any per-message work, and `sendGroup` answers a whole group at once, so
 * the per-message cost is plain functions rather than effects.
 */
export const sendAll = <A, E, R>(
  items: Stream.Stream<A, E, R>,
  sendGroup: (group: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<Exit.Exit<Sent, ProducerError>>>,
  options: BulkOptions<A>
): Effect.Effect<BulkSummary<A>, E, R> =>
  Effect.gen(function* () {
    const started = yield* Clock.currentTimeMillis
    const maxFailuresKept = options.maxFailuresKept ?? 100
    let sent = 0
    let failed = 0
    let abandoned = 0
    let stopped = false
    // The first `maxFailuresKept` failures by position in the stream: groups are answered in any order.
    const failures: Array<{ readonly position: number; readonly failure: BulkFailure<A> }> = []
    const keepFailure = (position: number, failure: BulkFailure<A>) => {
      if (failures.length >= maxFailuresKept && position > failures[failures.length - 1]!.position) return
      let at = failures.length
      while (at > 0 && failures[at - 1]!.position > position) at--
      failures.splice(at, 0, { position, failure })
      if (failures.length > maxFailuresKept) failures.pop()
    }
    // Items taken from the stream into groups, each group knowing the position of its first item.
    let taken = 0
    // The longest prefix of the stream all answered, and the groups answered beyond it.
    let prefix = 0
    let lastOfPrefix: Option.Option<A> = Option.none()
    const ahead = new Map<number, Answered<A>>()
    const progress = (now: number): Progress => {
      const seconds = Math.max(now - started, 1) / 1000
      return { sent, failed, seconds, rate: sent / seconds }
    }

    /** Counts a group SQS answered, and moves the prefix on past it and any groups it was holding back. */
    const answered = (
      start: number,
      group: ReadonlyArray<A>,
      exits: ReadonlyArray<Exit.Exit<Sent, ProducerError>>
    ) => {
      let groupSent = 0
      for (const [index, exit] of exits.entries()) {
        if (Exit.isSuccess(exit)) {
          groupSent++
          continue
        }
        failed++
        if (maxFailuresKept > 0) {
          const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
          const { code, message } = describeFailure(error)
          keepFailure(start + index, { item: group[index]!, code, message })
        }
      }
      sent += groupSent
      ahead.set(start, { length: group.length, sent: groupSent, last: group[group.length - 1]! })
      for (let next = ahead.get(prefix); next !== undefined; next = ahead.get(prefix)) {
        ahead.delete(prefix)
        prefix += next.length
        lastOfPrefix = Option.some(next.last)
      }
    }

    // A group is one request (more only when its bodies pass 1 MiB, which `sendGroup` bounds).
    const groupsInFlight = requestsInFlight(options.concurrency)
    // Either marks the send stopped when it ends it: completing after the stream ended, it is
    // interrupted with the rest of the stream instead.
    const stopping = (effect: Effect.Effect<unknown> | undefined) =>
      effect === undefined
        ? undefined
        : Effect.andThen(
            effect,
            Effect.sync(() => {
              stopped = true
            })
          )
    const stop = stopping(options.stopWhen)
    const abandon = stopping(options.abandonWhen)

    const grouped = items.pipe(Stream.groupedWithin(GROUP_SIZE, GATHER_WITHIN))
    yield* (stop === undefined ? grouped : Stream.interruptWhen(grouped, stop)).pipe(
      Stream.map((group) => {
        const start = taken
        taken += group.length
        return { start, group }
      }),
      Stream.mapEffect(
        ({ start, group }) =>
          // Counted as the group's answer arrives, in whatever order, even if the send is being
          // abandoned at that moment: an answered message is never reported as abandoned.
          Effect.onExit(sendGroup(group), (exit) =>
            Effect.sync(() => {
              if (Exit.isSuccess(exit)) answered(start, group, exit.value)
              else abandoned += group.length
            })
          ),
        // Unordered: a group answered late holds back neither the others nor the next to start.
        { concurrency: groupsInFlight, unordered: true }
      ),
      (sending) => (abandon === undefined ? sending : Stream.interruptWhen(sending, abandon)),
      Stream.runForEach(() =>
        options.onProgress === undefined
          ? Effect.void
          : Effect.flatMap(Clock.currentTimeMillis, (now) => options.onProgress!(progress(now)))
      )
    )
    let sentAfterPrefix = 0
    for (const group of ahead.values()) sentAfterPrefix += group.sent
    return {
      ...progress(yield* Clock.currentTimeMillis),
      failures: failures.map((kept) => kept.failure),
      stopped,
      abandoned,
      answeredPrefix: prefix,
      lastOfPrefix,
      sentAfterPrefix
    } satisfies BulkSummary<A>
  })
