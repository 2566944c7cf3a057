/**
 * Making received messages visible again at once, for another receive to get: ten to a
 * ChangeMessageVisibilityBatch, one request after another.
 */
import { Effect } from "effect"
import type { SqsClient } from "../SqsClient.ts"
import type { SqsError } from "../SqsError.ts"
import { MAX_ENTRIES } from "./entryBatcher.ts"

export const releaseAll = (
  sqs: SqsClient["Service"],
  queueUrl: string,
  receiptHandles: ReadonlyArray<string>
): Effect.Effect<void, SqsError> =>
  Effect.forEach(
    Array.from({ length: Math.ceil(receiptHandles.length / MAX_ENTRIES) }, (_, i) =>
      receiptHandles.slice(i * MAX_ENTRIES, (i + 1) * MAX_ENTRIES)
    ),
    (batch) =>
      sqs.changeMessageVisibilityBatch({
        QueueUrl: queueUrl,
        Entries: batch.map((ReceiptHandle, index) => ({
          Id: String(index),
          ReceiptHandle,
          VisibilityTimeout: 0
        }))
      }),
    { discard: true }
  )
