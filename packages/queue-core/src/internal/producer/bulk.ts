/**
 * A bulk send: a stream of any length sent with bounded concurrency and constant memory, a batch
 * at a time, counting what was sent and what failed, keeping the first failures and reporting
 * progress.
 */
import { Clock, Effect, Exit, Stream } from "effect"
import { MAX_ENTRIES as GROUP_SIZE } from "../entryBatcher.ts"
import {
  type BulkFailure,
  type BulkOptions,
  type BulkSummary,
  describeFailure,
  type ProducerError,
  type Progress,
  type Sent
} from "./model.ts"

/** How long a batch waits for the stream to give it 10 messages before it goes out smaller. */
const GATHER_WITHIN = "10 millis"

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
    const failures: Array<BulkFailure<A>> = []
    const progress = (now: number): Progress => {
      const seconds = Math.max(now - started, 1) / 1000
      return { sent, failed, seconds, rate: sent / seconds }
    }
    const groupsInFlight = Math.max(1, Math.ceil((options.concurrency ?? 40) / GROUP_SIZE))
    yield* items.pipe(
      Stream.groupedWithin(GROUP_SIZE, GATHER_WITHIN),
      Stream.mapEffect((group) => Effect.map(sendGroup(group), (exits) => [group, exits] as const), {
        concurrency: groupsInFlight
      }),
      Stream.runForEach(([group, exits]) =>
        Effect.gen(function* () {
          for (const [index, exit] of exits.entries()) {
            if (Exit.isSuccess(exit)) {
              sent++
              continue
            }
            failed++
            if (failures.length < maxFailuresKept) {
              const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
              const { code, message } = describeFailure(error)
              failures.push({ item: group[index]!, code, message })
            }
          }
          if (options.onProgress !== undefined)
            yield* options.onProgress(progress(yield* Clock.currentTimeMillis))
        })
      )
    )
    return { ...progress(yield* Clock.currentTimeMillis), failures } satisfies BulkSummary<A>
  })
