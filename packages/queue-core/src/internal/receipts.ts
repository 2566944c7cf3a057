/**
 * What happens to a received message after its handler: deleted, or its visibility changed.
 * Deletes wait a short delay so that up to 10 share one DeleteMessageBatch; visibility changes
 * go out at once, also up to 10 a request. Entries that SQS failed on its side are retried under
 * a schedule; entries failed by their own fault (an expired receipt handle) are logged.
 */
import type { BatchResultErrorEntry } from "@aws-sdk/client-sqs"
import { Data, Duration, Effect, Schedule } from "effect"
import type { Queue } from "../Queues.ts"
import type { SqsClient } from "../SqsClient.ts"
import * as Batcher from "./batcher.ts"

class EntriesFailed extends Data.TaggedError("EntriesFailed")<{
  readonly failed: ReadonlyArray<BatchResultErrorEntry>
}> {}

export interface Receipts {
  readonly delete: (receiptHandle: string) => Effect.Effect<void>
  readonly changeVisibility: (receiptHandle: string, timeout: Duration.Duration) => Effect.Effect<void>
}

export interface ReceiptsOptions {
  readonly deleteFlushDelay: Duration.Duration
  /** How entries that SQS failed on its side are retried. */
  readonly entryRetrySchedule?: Schedule.Schedule<unknown, unknown>
}

const defaultEntryRetrySchedule = Schedule.exponential("100 millis").pipe(
  Schedule.jittered,
  Schedule.upTo({ times: 4 })
)

/**
 * Sends entries with `send`, retrying only those that failed on SQS's side.
 */
const sendWithEntryRetries = <Entry extends { readonly Id: string }>(
  name: string,
  entries: ReadonlyArray<Entry>,
  send: (
    entries: ReadonlyArray<Entry>
  ) => Effect.Effect<ReadonlyArray<BatchResultErrorEntry>, { message: string }>,
  schedule: Schedule.Schedule<unknown, unknown>
): Effect.Effect<void> => {
  let pending = entries
  const attempt = Effect.suspend(() => send(pending)).pipe(
    Effect.flatMap((failed) => {
      const ownFault = failed.filter((entry) => entry.SenderFault)
      const retryable = new Set(failed.filter((entry) => !entry.SenderFault).map((entry) => entry.Id))
      pending = pending.filter((entry) => retryable.has(entry.Id))
      const logOwnFault =
        ownFault.length === 0
          ? Effect.void
          : Effect.logWarning(
              `${name}: ${ownFault.length} entr${ownFault.length === 1 ? "y" : "ies"} rejected: ` +
                ownFault.map((entry) => `${entry.Code}: ${entry.Message}`).join("; ")
            )
      return Effect.andThen(
        logOwnFault,
        pending.length === 0 ? Effect.void : Effect.fail(new EntriesFailed({ failed }))
      )
    })
  )
  return attempt.pipe(
    Effect.retry(schedule),
    Effect.catch((error) =>
      Effect.logError(
        `${name} failed; the message(s) will be received again: ` +
          (error instanceof EntriesFailed
            ? error.failed.map((entry) => entry.Code).join(", ")
            : error.message)
      )
    )
  )
}

export const make = Effect.fnUntraced(function* (
  sqs: SqsClient["Service"],
  queue: Queue,
  options: ReceiptsOptions
) {
  const schedule = options.entryRetrySchedule ?? defaultEntryRetrySchedule
  const withIds = <A>(items: ReadonlyArray<A>) => items.map((item, index) => ({ Id: String(index), item }))

  const deletes = yield* Batcher.make<string>(
    (receipts) =>
      sendWithEntryRetries(
        "DeleteMessageBatch",
        withIds(receipts).map(({ Id, item }) => ({ Id, ReceiptHandle: item })),
        (entries) =>
          Effect.map(
            sqs.deleteMessageBatch({ QueueUrl: queue.url, Entries: [...entries] }),
            (output) => output.Failed ?? []
          ),
        schedule
      ),
    { maxSize: 10, delay: options.deleteFlushDelay }
  )

  const visibility = yield* Batcher.make<{ readonly receiptHandle: string; readonly seconds: number }>(
    (changes) =>
      sendWithEntryRetries(
        "ChangeMessageVisibilityBatch",
        withIds(changes).map(({ Id, item }) => ({
          Id,
          ReceiptHandle: item.receiptHandle,
          VisibilityTimeout: item.seconds
        })),
        (entries) =>
          Effect.map(
            sqs.changeMessageVisibilityBatch({ QueueUrl: queue.url, Entries: [...entries] }),
            (output) => output.Failed ?? []
          ),
        schedule
      ),
    { maxSize: 10, delay: Duration.zero }
  )

  return {
    delete: deletes.offer,
    changeVisibility: (receiptHandle, timeout) =>
      visibility.offer({ receiptHandle, seconds: Math.max(0, Math.round(Duration.toSeconds(timeout))) })
  } satisfies Receipts
})
