/**
 * What happens to a message once the consumer is done with it: deleted (handled), retried later,
 * moved to the dead-letter queue, or released. Each one is settled only when SQS has answered:
 * until then the message keeps its room in `InFlight` (its lease going on while it is deleted,
 * and stopped for the other settlements), so receiving slows down when settling does.
 *
 * Deletes go through one buffer (`deletes.ts`) and visibility changes through the entry batcher's
 * requests: up to 10 a request, several requests in flight (`settlementConcurrency`), entries SQS
 * failed on its side retried. A handled message's delete is answered a request at a time, without
 * its handler's fiber waiting for it. A delete SQS does not confirm (an expired receipt, a request
 * that failed for good) means the message will be received and handled again: it is counted as a
 * duplicate risked and logged, never silent.
 */
import type {
  ChangeMessageVisibilityBatchResultEntry,
  DeleteMessageBatchResultEntry
} from "@aws-sdk/client-sqs"
import { Cause, Clock, Deferred, Duration, Effect, Exit, Metric, Option } from "effect"
import type { QueueMetrics } from "../../ConsumerMetrics.ts"
import type { S3Pointer } from "../../LargePayloads.ts"
import type { Queue, Queues } from "../../Queues.ts"
import type { SqsClient } from "../../SqsClient.ts"
import type { SqsError } from "../../SqsError.ts"
import * as EntryBatcher from "../entryBatcher.ts"
import { delayAt } from "../scheduleDelay.ts"
import * as Deletes from "./deletes.ts"
import type { Held, InFlight } from "./inFlight.ts"
import { MAX_LEASE, resendEntry } from "./model.ts"
import type { Settings } from "./settings.ts"

export interface Settlement {
  /**
   * The handler succeeded: queue the message's delete and return at once. Its room is freed, and
   * then the S3 object its body came from (`stored`) removed, once SQS has confirmed the delete.
   */
  readonly delete: (held: Held, stored: S3Pointer | undefined) => Effect.Effect<void>
  /** Sends the queued deletes now (every handler of a receive has finished). */
  readonly flushDeletes: Effect.Effect<void>
  /** Sends the queued deletes and waits until SQS has answered for each (for shutdown). */
  readonly drainDeletes: Effect.Effect<void>
  /** Visible again at once, for any consumer. */
  readonly release: (held: Held) => Effect.Effect<void>
  /** Back after `delay`, or after the retry schedule at its receive count. */
  readonly retryLater: (held: Held, delay: Duration.Duration | undefined) => Effect.Effect<void>
  /** To the dead-letter queue now: sent there, then deleted here. */
  readonly deadLetter: (held: Held, reason: string) => Effect.Effect<void>
  /** For leases: keep a message in progress invisible for `seconds` more. */
  readonly extend: (
    receiptHandle: string,
    seconds: number
  ) => Effect.Effect<unknown, EntryBatcher.EntryFailed | SqsError>
}

/**
 * What a delete settles: a handled message (its room freed on SQS's answer, its S3 object removed
 * after), or one moved to the dead-letter queue, whose settlement waits for the answer itself.
 */
type DeleteOf =
  | { readonly _tag: "Handled"; readonly stored: S3Pointer | undefined }
  | { readonly _tag: "DeadLettered"; readonly answer: Deferred.Deferred<Exit.Exit<unknown, unknown>> }

export interface Dependencies {
  readonly sqs: SqsClient["Service"]
  readonly queues: Queues["Service"]
  readonly queue: Queue
  readonly settings: Settings
  readonly inFlight: InFlight
  readonly metrics: QueueMetrics
  /** Removes the S3 object a handled message's body came from. */
  readonly removeStored: (stored: S3Pointer) => Effect.Effect<void>
}

export const make = ({ sqs, queues, queue, settings, inFlight, metrics, removeStored }: Dependencies) =>
  Effect.gen(function* () {
    const deleteBatches = yield* EntryBatcher.make<
      { readonly ReceiptHandle: string },
      DeleteMessageBatchResultEntry,
      SqsError
    >({
      send: (QueueUrl, Entries) => sqs.deleteMessageBatch({ QueueUrl, Entries }),
      delay: settings.deleteFlushDelay,
      concurrency: settings.settlementConcurrency,
      entryRetrySchedule: settings.entryRetrySchedule
    })
    const visibility = yield* EntryBatcher.make<
      { readonly ReceiptHandle: string; readonly VisibilityTimeout: number },
      ChangeMessageVisibilityBatchResultEntry,
      SqsError
    >({
      send: (QueueUrl, Entries) => sqs.changeMessageVisibilityBatch({ QueueUrl, Entries }),
      delay: Duration.zero,
      concurrency: settings.settlementConcurrency,
      entryRetrySchedule: settings.entryRetrySchedule
    })

    const changeVisibility = (held: Held, timeout: Duration.Duration) =>
      visibility.submit(queue.url, {
        ReceiptHandle: held.message.receiptHandle,
        VisibilityTimeout: Math.max(0, Math.round(Duration.toSeconds(timeout)))
      })

    const messageOf = (cause: Cause.Cause<unknown>): string => {
      const error = Cause.squash(cause)
      return error instanceof Error ? error.message : String(error)
    }

    /**
     * Runs a settlement: no extension after it starts (a delete's lease goes on), and the room is
     * free only once SQS answered.
     */
    const settle = <A>(held: Held, effect: Effect.Effect<A>) =>
      inFlight
        .startSettling(held)
        .pipe(Effect.andThen(effect), Effect.ensuring(inFlight.settled(held)), Effect.uninterruptible)

    const notDeleted = (held: Held, cause: Cause.Cause<unknown>) =>
      Effect.andThen(
        Metric.update(metrics.duplicatesRisked, 1),
        Effect.logWarning(
          `SQS did not delete message ${held.message.messageId} (${messageOf(cause)}): it will be received again`
        )
      )

    const deletes = yield* Deletes.make<DeleteOf, DeleteMessageBatchResultEntry, SqsError>({
      queueUrl: queue.url,
      batcher: deleteBatches,
      delay: settings.deleteFlushDelay,
      // One request's answer settles its handled messages together: one metric update, one
      // release of room; the rare follow-ups (S3 objects, failed deletes) one by one.
      answered: (deletions, outcomes) =>
        Effect.suspend(() => {
          const handled: Array<Held> = []
          const after: Array<Effect.Effect<void>> = []
          let deleted = 0
          for (let index = 0; index < deletions.length; index++) {
            const { held, context } = deletions[index]!
            const outcome = outcomes[index]!
            if (context._tag === "DeadLettered") {
              Deferred.doneUnsafe(context.answer, Exit.succeed(outcome))
              continue
            }
            handled.push(held)
            if (outcome._tag === "Failure") after.push(notDeleted(held, outcome.cause))
            else {
              deleted++
              if (context.stored !== undefined) after.push(deletes.fork(removeStored(context.stored)))
            }
          }
          return Effect.all(
            [Metric.update(metrics.processed, deleted), inFlight.settledAll(handled), ...after],
            { discard: true }
          )
        })
    })

    const setVisibility = (held: Held, timeout: Duration.Duration, onSet: Effect.Effect<void>) =>
      changeVisibility(held, timeout).pipe(
        Effect.matchEffect({
          onSuccess: () => onSet,
          onFailure: (error) =>
            Effect.logWarning(
              `SQS did not change the visibility of message ${held.message.messageId} (${error.message}): ` +
                "it comes back when its visibility timeout lapses instead"
            )
        })
      )

    const retryLaterNow = (held: Held, delay: Duration.Duration | undefined) =>
      Effect.gen(function* () {
        const backoff =
          delay ?? (yield* delayAt(settings.retryDelay, held.message.receiveCount, held.message))
        // Never past SQS's limit of 12 hours from the receive.
        const left = Duration.toMillis(MAX_LEASE) - ((yield* Clock.currentTimeMillis) - held.receivedAt)
        const capped = Duration.millis(Math.max(0, Math.min(Duration.toMillis(backoff), left - 1000)))
        yield* setVisibility(held, capped, Metric.update(metrics.retried, 1))
      })

    const deadLetterNow = (held: Held, reason: string) =>
      Effect.gen(function* () {
        if (Option.isNone(queue.redrivePolicy)) {
          yield* Effect.logError(
            `no dead-letter queue for ${queue.name}: retrying the poison message later (${reason})`
          )
          return yield* retryLaterNow(held, Duration.minutes(15))
        }
        // Looked up each time (the lookup is cached): one failed lookup must not disable dead-lettering.
        const dlq = yield* queues.resolve(queue.redrivePolicy.value.deadLetterTargetArn).pipe(
          Effect.map(Option.some),
          Effect.catch((error) =>
            Effect.as(
              Effect.logError(
                `cannot resolve the dead-letter queue, retrying the message later: ${error.message}`
              ),
              Option.none<Queue>()
            )
          )
        )
        if (Option.isNone(dlq)) return yield* retryLaterNow(held, undefined)
        const target = dlq.value
        const moved = yield* sqs
          .sendMessage({ QueueUrl: target.url, ...resendEntry(held.message, target) })
          .pipe(
            Effect.as(true),
            Effect.catch((error) =>
              Effect.as(
                Effect.logError(`could not move the message to ${target.name}: ${error.message}`),
                false
              )
            )
          )
        if (!moved) return yield* retryLaterNow(held, undefined)
        const answer = Deferred.makeUnsafe<Exit.Exit<unknown, unknown>>()
        yield* deletes.add({ held, context: { _tag: "DeadLettered", answer } })
        const deleted = yield* Deferred.await(answer)
        if (deleted._tag === "Failure") return yield* notDeleted(held, deleted.cause)
        yield* Metric.update(metrics.deadLettered, 1)
        yield* Effect.logWarning(`moved to ${target.name}: ${reason}`)
      })

    return {
      delete: (held, stored) =>
        Effect.andThen(
          inFlight.startDeleting(held),
          deletes.add({ held, context: { _tag: "Handled", stored } })
        ),
      flushDeletes: deletes.flush,
      drainDeletes: deletes.drain,
      release: (held) => settle(held, setVisibility(held, Duration.zero, Metric.update(metrics.released, 1))),
      retryLater: (held, delay) => settle(held, retryLaterNow(held, delay)),
      deadLetter: (held, reason) => settle(held, deadLetterNow(held, reason)),
      extend: (ReceiptHandle, seconds) =>
        visibility.submit(queue.url, { ReceiptHandle, VisibilityTimeout: seconds })
    } satisfies Settlement
  })
