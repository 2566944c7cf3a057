/**
 * What a producer's callers give and get back: sent messages, outcomes per message, failures,
 * and the options and progress of bulk sends. `Producer` re-exports it.
 */
import type { Effect, Option } from "effect"
import { Schema } from "effect"
import type { InvalidMessage, OutgoingMessage } from "../../OutgoingMessage.ts"
import type { PayloadStoreError } from "../../PayloadStore.ts"
import type { InvalidQueueRef } from "../../QueueRef.ts"
import type { SqsError } from "../../SqsError.ts"

/**
 * @category models
 */
export interface Sent {
  readonly messageId: string
  /** FIFO queues only. */
  readonly sequenceNumber?: string | undefined
}

/**
 * SQS refused one message of a batch.
 *
 * @category errors
 */
export class SendFailed extends Schema.TaggedError<SendFailed>()("SendFailed", {
  /** SQS's error code, e.g. `InvalidMessageContents` or `InternalError`. */
  code: Schema.String,
  reason: Schema.String,
  /** True when the message itself was at fault; false when SQS failed to take it (and retries ran out). */
  senderFault: Schema.Boolean
}) {
  override get message(): string {
    return `${this.code}: ${this.reason}`
  }
}

/**
 * @category errors
 */
export type ProducerError = SqsError | InvalidMessage | InvalidQueueRef | SendFailed | PayloadStoreError

/**
 * A failure as outcomes and summaries report it: a code, a message, and whether the message
 * itself was at fault.
 */
export const describeFailure = (
  error: ProducerError | undefined
): { readonly code: string; readonly message: string; readonly senderFault: boolean } => {
  if (error === undefined) return { code: "Defect", message: "unexpected failure", senderFault: false }
  switch (error._tag) {
    case "SendFailed":
      return { code: error.code, message: error.reason, senderFault: error.senderFault }
    case "SqsError":
      return { code: error.reason._tag, message: error.message, senderFault: !error.isRetryable }
    case "PayloadStoreError":
      return { code: error._tag, message: error.message, senderFault: !error.retryable }
    default:
      return { code: error._tag, message: error.message, senderFault: true }
  }
}

/**
 * What happened to one message of a batch, by its position in the input.
 *
 * @category models
 */
export type SendOutcome =
  | ({ readonly _tag: "Sent"; readonly index: number } & Sent)
  | {
      readonly _tag: "Failed"
      readonly index: number
      readonly code: string
      readonly message: string
      /** True when the message itself was at fault; false when SQS failed to take it. */
      readonly senderFault: boolean
    }

/**
 * @category models
 */
export interface BatchOptions {
  /**
   * Requests of this call in flight at once: SendMessageBatch requests of up to 10 messages, and
   * S3 uploads of large bodies (default 4). It counted messages before (default 40).
   */
  readonly concurrency?: number | undefined
}

/** Requests of one `sendBatch` or `sendAll` in flight at once, unless given. */
export const DEFAULT_CONCURRENCY = 4

/** The requests in flight a call's options allow: at least one. */
export const requestsInFlight = (concurrency: number | undefined): number =>
  Math.max(1, Math.floor(concurrency ?? DEFAULT_CONCURRENCY))

/**
 * Progress of a bulk send.
 *
 * @category models
 */
export interface Progress {
  readonly sent: number
  readonly failed: number
  readonly seconds: number
  /** Messages sent per second so far. */
  readonly rate: number
}

/**
 * A message of a bulk send that was not sent.
 *
 * @category models
 */
export interface BulkFailure<A> {
  readonly item: A
  readonly code: string
  readonly message: string
}

/**
 * The result of a bulk send.
 *
 * @category models
 */
export interface BulkSummary<A> extends Progress {
  /** The first `maxFailuresKept` failures, in input order. */
  readonly failures: ReadonlyArray<BulkFailure<A>>
  /** True when `stopWhen` (or `abandonWhen`) ended the send before the stream's end. */
  readonly stopped: boolean
  /**
   * How many items from the start of the stream were all answered by SQS (sent, or failed and
   * counted in `failed`): a stopped send resumes with the item at this position. Batches are
   * answered out of order, so items after it may have been answered too (`sentAfterPrefix`).
   * `sent + failed` when the stream was sent to its end, or stopped without being abandoned.
   */
  readonly answeredPrefix: number
  /** The last item of that prefix (none when it is empty), e.g. the line to resume after. */
  readonly lastOfPrefix: Option.Option<A>
  /**
   * Items after the prefix that were sent as well (answered before an earlier batch when the
   * send was abandoned): resuming at `answeredPrefix` sends them a second time. 0 unless abandoned.
   */
  readonly sentAfterPrefix: number
  /**
   * Messages whose batch was still waiting for SQS when `abandonWhen` completed: its requests
   * were aborted, so SQS may or may not have stored them. They are neither sent nor failed.
   */
  readonly abandoned: number
}

/**
 * @category models
 */
export interface BulkOptions<A> {
  /** Turns an item of the stream into a message (a string is a body). */
  readonly toMessage: (item: A) => OutgoingMessage | string
  /**
   * Requests of this send in flight at once: SendMessageBatch requests of up to 10 messages, and
   * S3 uploads of large bodies (default 4). It counted messages before (default 40).
   */
  readonly concurrency?: number | undefined
  /** Called as messages are sent or fail (once per batch of up to 10). */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  /** How many failures to keep for the summary (default 100); all are counted. */
  readonly maxFailuresKept?: number | undefined
  /**
   * Stops the send gracefully when this effect completes (e.g. on SIGINT): no further item is
   * taken from the stream, the batches in flight are answered by SQS (their requests are not
   * aborted: an aborted send may or may not have been stored), and the summary is `stopped`, with
   * `answeredPrefix` saying where to resume.
   */
  readonly stopWhen?: Effect.Effect<unknown> | undefined
  /**
   * Abandons the send at once when this effect completes (e.g. on a second SIGINT during a stop):
   * the batches in flight are interrupted and their requests aborted; their messages are counted in
   * `abandoned`, since SQS may or may not have stored them.
   */
  readonly abandonWhen?: Effect.Effect<unknown> | undefined
}
