/**
 * Looking at a queue's messages without consuming them: they are received, then made visible
 * again at once, in one uninterruptible step, so none stays hidden for a visibility timeout.
 *
 * Peeking counts as a receive for SQS: each message's receive count goes up by one, and on a queue
 * with a redrive policy a message peeked often enough moves to the dead-letter queue.
 *
 * @since 0.2.0
 */
import { Effect } from "effect"
import { type ReceivedMessage, toReceived } from "./internal/consumer/model.ts"
import { releaseAll } from "./internal/release.ts"
import type * as QueueRef from "./QueueRef.ts"
import { Queues } from "./Queues.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"

/** How long the peeked messages are hidden if making them visible again fails (seconds). */
const HIDE_SECONDS = 30

/**
 * Up to `count` messages of the queue, in the order SQS hands them out; fewer when the queue
 * holds fewer visible ones.
 *
 * @category constructors
 */
export const peek = (
  queueRef: string,
  count: number
): Effect.Effect<ReadonlyArray<ReceivedMessage>, SqsError | QueueRef.InvalidQueueRef, SqsClient | Queues> =>
  Effect.gen(function* () {
    const sqs = yield* SqsClient
    const queue = yield* (yield* Queues).resolve(queueRef)
    const release = (messages: ReadonlyArray<ReceivedMessage>) =>
      releaseAll(
        sqs,
        queue.url,
        messages.map((message) => message.receiptHandle)
      )
    return yield* Effect.uninterruptible(
      Effect.gen(function* () {
        const seen: Array<ReceivedMessage> = []
        // Receives until `count` or an empty receive; what was received is released whatever happens.
        const receiveAll: Effect.Effect<void, SqsError> = Effect.suspend(() => {
          const wanted = Math.min(10, count - seen.length)
          if (wanted <= 0) return Effect.void
          return sqs
            .receiveMessage({
              QueueUrl: queue.url,
              MaxNumberOfMessages: wanted,
              WaitTimeSeconds: 0,
              VisibilityTimeout: HIDE_SECONDS,
              MessageSystemAttributeNames: ["All"],
              MessageAttributeNames: ["All"]
            })
            .pipe(
              Effect.flatMap((output) => {
                const messages = (output.Messages ?? []).map((message) => toReceived(message, queue))
                seen.push(...messages)
                return messages.length === 0 ? Effect.void : receiveAll
              })
            )
        })
        yield* receiveAll.pipe(Effect.ensuring(Effect.suspend(() => Effect.ignore(release(seen)))))
        return seen
      })
    )
  })
