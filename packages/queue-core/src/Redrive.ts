/**
 * Moving messages from a dead-letter queue back to the queue they came from, batch by batch:
 * each batch is sent to the source before it is deleted from the dead-letter queue, in one
 * uninterruptible step, so an interruption between batches loses nothing and duplicates nothing.
 * A message the source refused stays in the dead-letter queue, hidden until the redrive ends (so
 * that the receives after it get the others), then made visible again at once; so does, with
 * `payloads`, a message whose S3 pointer a consumer would refuse.
 *
 * A redrive always ends: it moves at most as many messages as the dead-letter queue held when it
 * started (its visible messages, as SQS counts them), so dead letters arriving meanwhile (a
 * consumer still dead-lettering) are left for the next one.
 *
 * Before any message moves it refuses a target that is the dead-letter queue itself (by any name,
 * URL or ARN): every batch would go back where it came from, and the redrive would never end; and
 * a target of the other type (FIFO or standard) unless `allowTypeChange` is set, as SQS itself
 * keeps dead letters in a queue of their own type.
 *
 * @since 0.2.0
 */
import { Data, Effect, Option } from "effect"
import { type ReceivedMessage, resendEntry, toReceived } from "./internal/consumer/model.ts"
import { releaseAll } from "./internal/release.ts"
import * as LargePayloads from "./LargePayloads.ts"
import type * as QueueRef from "./QueueRef.ts"
import { type Queue, Queues } from "./Queues.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"

/**
 * The source of a dead-letter queue cannot be told: no queue redrives to it, or several do.
 *
 * @category errors
 */
export class UnknownSource extends Data.TaggedError("UnknownSource")<{ readonly message: string }> {}

/**
 * A redrive refused before any message moved: its target is the dead-letter queue itself
 * (`SameQueue`), or a queue of the other type without `allowTypeChange` (`TypeChange`).
 *
 * @category errors
 */
export class InvalidRedrive extends Data.TaggedError("InvalidRedrive")<{
  readonly reason: "SameQueue" | "TypeChange"
  readonly from: Queue
  readonly to: Queue
  readonly message: string
}> {}

/**
 * @category models
 */
export interface Options {
  /** The queue to move the messages to (name, URL or ARN); default: the one whose redrive policy names the dead-letter queue. */
  readonly to?: string | undefined
  /**
   * Allow a target of the other type, FIFO or standard (default false: refused, as SQS refuses a
   * dead-letter queue of another type). FIFO to standard: messages lose their group and
   * deduplication id (their order, and SQS's deduplication of resends). Standard to FIFO: each
   * message becomes a group of its own (no order is invented, none waits behind another),
   * deduplicated by its message id.
   */
  readonly allowTypeChange?: boolean | undefined
  /** Called after each batch (inside it: interruption waits for its end). */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  /**
   * Which S3 pointers a consumer follows: a message whose body is at a place `LargePayloads.refusal`
   * refuses stays in the dead-letter queue, reported, since its consumer would dead-letter it
   * again. Its object is never read nor deleted either way: a redrive moves pointers as they are.
   */
  readonly payloads?: LargePayloads.ReadPolicy | undefined
}

/**
 * How far a redrive has got.
 *
 * @category models
 */
export interface Progress {
  readonly from: Queue
  readonly to: Queue
  /**
   * The dead-letter queue's visible messages when the redrive started (SQS's approximate count):
   * the most it moves or leaves refused, however many arrive meanwhile.
   */
  readonly atStart: number
  readonly moved: number
  /** Messages the source refused, each counted once: they stay in the dead-letter queue. */
  readonly failed: number
  /** Their reasons, by message id (the first 10). */
  readonly failures: ReadonlyArray<{ readonly messageId: string; readonly reason: string }>
}

/** How long a batch in hand is hidden if the process dies before it is sent and deleted (seconds). */
const HIDE_SECONDS = 60

/**
 * The queues whose redrive policy names `dlq`: found by listing and resolving every queue (SQS's
 * ListDeadLetterSourceQueues does the same on its side, and the local SQS lacks it).
 *
 * @category constructors
 */
export const sourcesOf = (dlq: Queue): Effect.Effect<ReadonlyArray<Queue>, SqsError, Queues> =>
  Effect.gen(function* () {
    const queues = yield* Queues
    const found: Array<Queue> = []
    for (const url of yield* queues.list()) {
      if (url === dlq.url) continue
      const queue = yield* queues
        .resolve(url)
        .pipe(Effect.catchTag("InvalidQueueRef", () => Effect.succeed(undefined)))
      if (queue !== undefined && Option.exists(queue.redrivePolicy, (p) => p.deadLetterTargetArn === dlq.arn))
        found.push(queue)
    }
    return found
  })

const kindOf = (queue: Queue) => (queue.fifo ? "a FIFO queue" : "a standard queue")

/** Why `from` cannot be redriven to `to` as asked, if it cannot. */
const refusal = (from: Queue, to: Queue, allowTypeChange: boolean): InvalidRedrive | undefined => {
  if (from.url === to.url || (from.arn !== "" && from.arn === to.arn))
    return new InvalidRedrive({
      reason: "SameQueue",
      from,
      to,
      message: `cannot redrive ${from.name} into itself: every batch would go back where it came from; name another queue to move its messages to`
    })
  if (from.fifo !== to.fifo && !allowTypeChange)
    return new InvalidRedrive({
      reason: "TypeChange",
      from,
      to,
      message:
        `${from.name} is ${kindOf(from)} and ${to.name} ${kindOf(to)}: SQS keeps dead letters in a queue of ` +
        `their own type; allow a move between the types with allowTypeChange (${
          from.fifo ? "their order and deduplication are lost" : "each message becomes a group of its own"
        })`
    })
  return undefined
}

/**
 * Moves the messages of the dead-letter queue `dlqRef` to `options.to` (by default the one queue
 * whose redrive policy names it), calling `onProgress` after each batch: at most as many as it
 * held when the redrive started, so that it ends while dead letters keep arriving.
 *
 * @example
 * ```ts
 * Redrive.redrive("BackgroundCheckApp-dlq", {
 *   onProgress: (p) => Effect.log(`moved ${p.moved} of ${p.atStart}`)
 * })
 * ```
 *
 * @category constructors
 */
export const redrive = (
  dlqRef: string,
  options: Options = {}
): Effect.Effect<
  Progress,
  SqsError | QueueRef.InvalidQueueRef | UnknownSource | InvalidRedrive,
  SqsClient | Queues
> =>
  Effect.gen(function* () {
    const sqs = yield* SqsClient
    const queues = yield* Queues
    const from = yield* queues.resolve(dlqRef)
    const to =
      options.to === undefined
        ? yield* Effect.flatMap(sourcesOf(from), (sources) =>
            sources.length === 1
              ? Effect.succeed(sources[0]!)
              : Effect.fail(
                  new UnknownSource({
                    message:
                      sources.length === 0
                        ? `no queue sends its dead letters to ${from.name}: name the queue to move them to`
                        : `${sources.length} queues send their dead letters to ${from.name} (${sources
                            .map((q) => q.name)
                            .join(", ")}): name the one to move them to`
                  })
                )
          )
        : yield* queues.resolve(options.to)
    const refused = refusal(from, to, options.allowTypeChange === true)
    if (refused !== undefined) return yield* refused
    const { visible: atStart } = yield* queues.describe(from.url)
    let progress: Progress = { from, to, atStart, moved: 0, failed: 0, failures: [] }
    /**
     * The receipts of the messages not moved, by message id: each is counted once, and kept hidden
     * until the redrive ends (then made visible at once), so that the receives that follow get the
     * others. One that comes back after its hiding lapsed only renews its receipt.
     */
    const held = new Map<string, string>()
    const policy = options.payloads
    /** Why a consumer would refuse the message's body in S3, under `options.payloads`. */
    const unfollowable = (message: ReceivedMessage): string | undefined => {
      const stored = policy === undefined ? undefined : LargePayloads.storedAt(message)
      return stored === undefined || policy === undefined
        ? undefined
        : LargePayloads.refusal(stored.pointer, stored.size, policy)
    }
    const releaseHeld = Effect.suspend(() => releaseAll(sqs, from.url, [...held.values()]))

    /**
     * One batch: received, sent, deleted (or released); false once the count at the start is
     * reached or the dead-letter queue is empty.
     */
    const batch = Effect.uninterruptible(
      Effect.gen(function* () {
        const wanted = Math.min(10, atStart - progress.moved - progress.failed)
        if (wanted <= 0) return false
        const received = yield* sqs.receiveMessage({
          QueueUrl: from.url,
          MaxNumberOfMessages: wanted,
          WaitTimeSeconds: 0,
          VisibilityTimeout: HIDE_SECONDS,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"]
        })
        const messages = (received.Messages ?? []).map((message) => toReceived(message, from))
        if (messages.length === 0) return false
        const kept: Array<{ readonly message: ReceivedMessage; readonly reason: string }> = []
        const sendable: Array<ReceivedMessage> = []
        for (const message of messages) {
          const reason = unfollowable(message)
          if (reason === undefined) sendable.push(message)
          else kept.push({ message, reason: `not moved: ${reason}` })
        }
        const sent =
          sendable.length === 0
            ? { Successful: [], Failed: [] }
            : yield* sqs.sendMessageBatch({
                QueueUrl: to.url,
                Entries: sendable.map((message, index) => ({
                  Id: String(index),
                  ...resendEntry(message, to)
                }))
              })
        const moved = (sent.Successful ?? []).map((entry) => sendable[Number(entry.Id)]!)
        const notSent = [
          ...kept,
          ...(sent.Failed ?? []).map((entry) => ({
            message: sendable[Number(entry.Id)]!,
            reason: `${entry.Code}: ${entry.Message ?? ""}`
          }))
        ]
        if (moved.length > 0) {
          yield* sqs.deleteMessageBatch({
            QueueUrl: from.url,
            Entries: moved.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.receiptHandle
            }))
          })
        }
        const newlyRefused = notSent.filter(({ message }) => !held.has(message.messageId))
        for (const { message } of notSent) held.set(message.messageId, message.receiptHandle)
        progress = {
          ...progress,
          moved: progress.moved + moved.length,
          failed: held.size,
          failures: [
            ...progress.failures,
            ...newlyRefused.map(({ message, reason }) => ({ messageId: message.messageId, reason }))
          ].slice(0, 10)
        }
        if (options.onProgress !== undefined) yield* options.onProgress(progress)
        return true
      })
    )
    yield* Effect.gen(function* () {
      while (yield* batch) {
        // Interruption is checked between batches only.
        yield* Effect.yieldNow
      }
    }).pipe(Effect.ensuring(Effect.uninterruptible(Effect.ignore(releaseHeld))))
    return progress
  })
