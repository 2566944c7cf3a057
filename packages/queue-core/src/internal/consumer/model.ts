/**
 * What a handler sees and decides: the received message, the outcomes a handler can fail with,
 * and the consumer's options with SQS's limits. The engine's parts build on this; `Consumer`
 * re-exports it.
 */
import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs"
import { Duration, type Effect, type Schedule, Schema } from "effect"
import type { S3Pointer } from "../../LargePayloads.ts"
import type { Queue } from "../../Queues.ts"
import * as Schedules from "../../Schedules.ts"
import type { Notification } from "../../SnsEnvelope.ts"
import type { SqsError } from "../../SqsError.ts"

/**
 * A received message, as a handler sees it.
 *
 * @category models
 */
export interface ReceivedMessage {
  readonly messageId: string
  readonly body: string
  readonly receiptHandle: string
  /** How many times SQS has handed this message out, this time included. */
  readonly receiveCount: number
  readonly groupId: string | undefined
  /** SQS's system attributes (SentTimestamp, ApproximateReceiveCount, ...). */
  readonly attributes: Readonly<Record<string, string>>
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>
  readonly queue: Queue
  /** Where the body was stored, for a message sent through S3 (see `LargePayloads`). */
  readonly payload?: S3Pointer | undefined
  /** The SNS notification the body and attributes came in, with `sns: "unwrap"`. */
  readonly sns?: Notification | undefined
}

/**
 * Handles one message; success deletes it, failure decides what happens to it (see the outcomes).
 *
 * @category models
 */
export type Handler<E, R> = (message: ReceivedMessage) => Effect.Effect<unknown, E, R>

/**
 * Fail a handler with this to have the message come back later: after `delay` if given, else
 * after the consumer's `retryDelay` schedule at the message's receive count. Any other error or
 * defect does the same.
 *
 * @category outcomes
 */
export class RetryLater extends Schema.TaggedError<RetryLater>()("RetryLater", {
  reason: Schema.String,
  delay: Schema.optional(Schema.Duration)
}) {}

/**
 * Fail a handler with this for a message that can never succeed (a poison message): it goes to
 * the queue's dead-letter queue at once. Without a dead-letter queue it is retried as late as
 * the backoff allows, and an error is logged.
 *
 * @category outcomes
 */
export class DeadLetter extends Schema.TaggedError<DeadLetter>()("DeadLetter", {
  reason: Schema.String
}) {}

/**
 * Fail a handler with this to make the message visible again at once, for any consumer.
 *
 * @category outcomes
 */
export class Release extends Schema.TaggedError<Release>()("Release", {
  reason: Schema.String
}) {}

/**
 * @category models
 */
export interface Options {
  /** Messages asked for per ReceiveMessage, 1 to 10 (default 10). */
  readonly maxMessages?: number | undefined
  /** Long-poll wait per receive, 0 to 20 seconds (default 20 s). Shutdown waits for the poll in flight. */
  readonly waitTime?: Duration.Input | undefined
  /**
   * Messages received and not yet settled, at most (default 10); may be far above 10. A message
   * counts from its receive until SQS has confirmed its delete, visibility change or move to the
   * dead-letter queue, so slow settlement slows receiving instead of piling up receipts.
   */
  readonly maxInFlight?: number | undefined
  /** Visibility timeout asked for on receive and on each lease extension, 1 s to 12 h (default: the queue's). */
  readonly visibilityTimeout?: Duration.Input | undefined
  /** Interrupts a handler that runs longer than this; its message is retried later. */
  readonly handlerTimeout?: Duration.Input | undefined
  /** How long running handlers may take to finish once shutdown starts (default 10 s). */
  readonly shutdownTimeout?: Duration.Input | undefined
  /** How long a delete waits for others to share its DeleteMessageBatch (default 10 ms). */
  readonly deleteFlushDelay?: Duration.Input | undefined
  /**
   * DeleteMessageBatch requests in flight at once, and as many ChangeMessageVisibilityBatch
   * (default: one per 10 messages in flight, from 2 to 16).
   */
  readonly settlementConcurrency?: number | undefined
  /**
   * When deletes and visibility changes that SQS failed on its side are sent again (default
   * `Schedules.entryRetry`, as for the producer's sends).
   */
  readonly entryRetrySchedule?: Schedule.Schedule<unknown, unknown> | undefined
  /** Backoff between failed receives; the default grows from 200 ms to 20 s, jittered, forever. */
  readonly receiveRetrySchedule?: Schedule.Schedule<unknown, SqsError> | undefined
  /**
   * With `waitTime` 0 (short polls), the pause after each receive that came back empty; it starts
   * over when messages arrive. Default: 50 ms growing to 1 s, jittered. Long polls wait on SQS's
   * side instead and never pause.
   */
  readonly emptyReceiveBackoff?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * The pause after a receive that brought some messages but not a full batch (default 10 ms):
   * under a steady flow, the next receive then takes a full batch, at about 10 times fewer
   * receive requests for a few milliseconds of latency. Zero receives again at once.
   */
  readonly partialReceivePause?: Duration.Input | undefined
  /**
   * When a failed message comes back, by its receive count (step 1 after the first receive).
   * Default: 1 s, doubling, jittered, at most 15 minutes.
   */
  readonly retryDelay?: Schedule.Schedule<unknown, ReceivedMessage> | undefined
  /**
   * `unwrap`: every message is an SNS notification (a topic's subscription without raw
   * delivery); the handler gets the published message and its attributes, and a body that is not
   * a notification is poison (dead-lettered). Default `keep`: bodies as they are.
   */
  readonly sns?: "unwrap" | "keep" | undefined
  /**
   * Keep the S3 object of a message sent through S3 once the message is deleted (default false:
   * it is deleted after SQS confirms the message's delete). Needs a `PayloadStore`.
   */
  readonly keepPayloads?: boolean | undefined
}

/**
 * Options out of range, with a message naming the option and its allowed values.
 *
 * @category errors
 */
export class InvalidOptions extends Schema.TaggedError<InvalidOptions>()("InvalidConsumerOptions", {
  message: Schema.String
}) {}

/**
 * The limits SQS puts on consumer settings.
 *
 * @category constants
 */
export const limits = {
  maxMessages: { min: 1, max: 10 },
  waitTime: { min: Duration.zero, max: Duration.seconds(20) },
  visibilityTimeout: { min: Duration.seconds(1), max: Duration.hours(12) }
} as const

/**
 * SQS's limit on how long a received message can be kept invisible, counted from its receive.
 *
 * @category constants
 */
export const MAX_LEASE = Duration.hours(12)

/**
 * The default backoff between failed receives (`Schedules.receiveRetry`).
 *
 * @category schedules
 */
export const defaultReceiveRetrySchedule: Schedule.Schedule<unknown, SqsError> = Schedules.receiveRetry

/**
 * The default delay before a failed message comes back (`Schedules.messageRetryDelay`): 1 s,
 * 2 s, 4 s, ... (jittered), at most 15 minutes.
 *
 * @category schedules
 */
export const defaultRetryDelay: Schedule.Schedule<unknown, ReceivedMessage> = Schedules.messageRetryDelay

/** A message as SQS returned it, as a handler sees it. */
export const toReceived = (message: Message, queue: Queue): ReceivedMessage => ({
  messageId: message.MessageId ?? "",
  body: message.Body ?? "",
  receiptHandle: message.ReceiptHandle ?? "",
  receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? "1"),
  groupId: message.Attributes?.MessageGroupId,
  attributes: message.Attributes ?? {},
  messageAttributes: message.MessageAttributes ?? {},
  queue
})

/**
 * A received message as an entry to send it again to `target` (the dead-letter queue, or back to
 * its source): its body and attributes. On a FIFO target, its message id as the deduplication id
 * (sending it twice stores it once) and a group: a FIFO message keeps its group; a standard
 * queue's message (no order to keep, a fair-queue tenant at most) gets its message id, a group of
 * its own, so that none waits behind another. A standard target gets neither id.
 */
export const resendEntry = (message: ReceivedMessage, target: Queue) => ({
  MessageBody: message.body,
  ...(Object.keys(message.messageAttributes).length > 0
    ? { MessageAttributes: { ...message.messageAttributes } as Record<string, MessageAttributeValue> }
    : {}),
  ...(target.fifo
    ? {
        MessageGroupId:
          message.queue.fifo && message.groupId !== undefined ? message.groupId : message.messageId,
        MessageDeduplicationId: message.messageId
      }
    : {})
})
