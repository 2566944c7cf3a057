/**
 * The long-poll consumer engine.
 *
 * - It receives only when it has room: up to `maxInFlight` messages are handled at once, each
 *   on its own fiber, so a slow message never holds back the others.
 * - A handler that succeeds gets its message deleted; deletes are grouped into
 *   DeleteMessageBatch requests. A handler that fails leaves its message to come back after the
 *   visibility timeout (and to the dead-letter queue after the redrive policy's receive count).
 * - Receive errors are logged and retried with backoff for as long as the consumer runs: the loop
 *   never dies. A queue that cannot be resolved at start fails at once.
 * - Interruption (SIGINT/SIGTERM through `NodeRuntime.runMain`) shuts down without losing work:
 *   no new polls; the poll in flight completes rather than being aborted (an aborted long poll
 *   can swallow a message for a whole visibility timeout); running handlers get
 *   `shutdownTimeout` to finish, after which they are interrupted and their messages released
 *   (visibility 0) so another consumer gets them at once; pending deletes are flushed.
 *
 * @since 0.1.0
 */
import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs"
import { Cause, Duration, Effect, Fiber, FiberSet, Schedule, Schema, Semaphore } from "effect"
import * as Batcher from "./internal/batcher.ts"
import type { InvalidQueueRef } from "./QueueRef.ts"
import { type Queue, Queues } from "./Queues.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"

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
}

/**
 * Handles one message; success deletes it.
 *
 * @category models
 */
export type Handler<E, R> = (message: ReceivedMessage) => Effect.Effect<unknown, E, R>

/**
 * @category models
 */
export interface Options {
  /** Messages asked for per ReceiveMessage, 1 to 10 (default 10). */
  readonly maxMessages?: number | undefined
  /** Long-poll wait per receive, 0 to 20 seconds (default 20 s). Shutdown waits for the poll in flight. */
  readonly waitTime?: Duration.Input | undefined
  /** Messages handled at once (default 10); may be far above 10. */
  readonly maxInFlight?: number | undefined
  /** Visibility timeout asked for on receive, 0 to 12 hours (default: the queue's). */
  readonly visibilityTimeout?: Duration.Input | undefined
  /** How long running handlers may take to finish once shutdown starts (default 10 s). */
  readonly shutdownTimeout?: Duration.Input | undefined
  /** How long a delete waits for others to share its DeleteMessageBatch (default 20 ms). */
  readonly deleteFlushDelay?: Duration.Input | undefined
  /** Backoff between failed receives; the default grows from 200 ms to 20 s, jittered, forever. */
  readonly receiveRetrySchedule?: Schedule.Schedule<unknown, SqsError> | undefined
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
  visibilityTimeout: { min: Duration.zero, max: Duration.hours(12) }
} as const

/**
 * The default backoff between failed receives.
 *
 * @category schedules
 */
export const defaultReceiveRetrySchedule: Schedule.Schedule<unknown, SqsError> = Schedule.min([
  Schedule.exponential("200 millis"),
  Schedule.spaced("20 seconds")
]).pipe(Schedule.jittered)

interface Settings {
  readonly maxMessages: number
  readonly waitSeconds: number
  readonly maxInFlight: number
  readonly visibilitySeconds: number | undefined
  readonly shutdownTimeout: Duration.Duration
  readonly deleteFlushDelay: Duration.Duration
  readonly receiveRetrySchedule: Schedule.Schedule<unknown, SqsError>
}

const durationOption = (
  name: string,
  input: Duration.Input | undefined,
  fallback: Duration.Duration,
  range?: { readonly min: Duration.Duration; readonly max: Duration.Duration }
): Duration.Duration | InvalidOptions => {
  if (input === undefined) return fallback
  const duration = Duration.fromInput(input)
  if (duration._tag === "None")
    return new InvalidOptions({ message: `${name} must be a duration, got ${String(input)}` })
  if (
    range !== undefined &&
    (Duration.isLessThan(duration.value, range.min) || Duration.isGreaterThan(duration.value, range.max))
  ) {
    return new InvalidOptions({
      message: `${name} must be from ${Duration.format(range.min)} to ${Duration.format(range.max)}, got ${Duration.format(duration.value)}`
    })
  }
  return duration.value
}

/**
 * Checks options and fills in defaults.
 *
 * @category constructors
 */
export const settings = (options: Options): Effect.Effect<Settings, InvalidOptions> => {
  const maxMessages = options.maxMessages ?? 10
  if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > 10) {
    return Effect.fail(
      new InvalidOptions({ message: `maxMessages must be an integer from 1 to 10, got ${maxMessages}` })
    )
  }
  const maxInFlight = options.maxInFlight ?? 10
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    return Effect.fail(
      new InvalidOptions({ message: `maxInFlight must be a positive integer, got ${maxInFlight}` })
    )
  }
  const wait = durationOption("waitTime", options.waitTime, limits.waitTime.max, limits.waitTime)
  if (wait instanceof InvalidOptions) return Effect.fail(wait)
  const visibility =
    options.visibilityTimeout === undefined
      ? undefined
      : durationOption(
          "visibilityTimeout",
          options.visibilityTimeout,
          Duration.zero,
          limits.visibilityTimeout
        )
  if (visibility instanceof InvalidOptions) return Effect.fail(visibility)
  const shutdownTimeout = durationOption("shutdownTimeout", options.shutdownTimeout, Duration.seconds(10))
  if (shutdownTimeout instanceof InvalidOptions) return Effect.fail(shutdownTimeout)
  const deleteFlushDelay = durationOption("deleteFlushDelay", options.deleteFlushDelay, Duration.millis(20))
  if (deleteFlushDelay instanceof InvalidOptions) return Effect.fail(deleteFlushDelay)
  return Effect.succeed({
    maxMessages,
    maxInFlight,
    waitSeconds: Math.floor(Duration.toSeconds(wait)),
    visibilitySeconds: visibility === undefined ? undefined : Math.ceil(Duration.toSeconds(visibility)),
    shutdownTimeout,
    deleteFlushDelay,
    receiveRetrySchedule: options.receiveRetrySchedule ?? defaultReceiveRetrySchedule
  })
}

const toReceived = (message: Message, queue: Queue): ReceivedMessage => ({
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
 * Runs the consumer until interrupted; then shuts down as described above.
 *
 * @category running
 */
export const run = <E, R>(
  queueRef: string,
  handler: Handler<E, R>,
  options: Options = {}
): Effect.Effect<never, SqsError | InvalidQueueRef | InvalidOptions, R | SqsClient | Queues> =>
  Effect.scoped(
    Effect.gen(function* () {
      const config = yield* settings(options)
      const sqs = yield* SqsClient
      const queue = yield* (yield* Queues).resolve(queueRef)

      // Pending batch operations. Created first, so their final flush runs after every handler
      // has finished or been interrupted.
      const entries = (receipts: ReadonlyArray<string>) =>
        receipts.map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle }))
      const deletes = yield* Batcher.make<string>(
        (receipts) =>
          sqs.deleteMessageBatch({ QueueUrl: queue.url, Entries: entries(receipts) }).pipe(
            Effect.tap((output) =>
              (output.Failed ?? []).length === 0
                ? Effect.void
                : Effect.logWarning(
                    "some deletes failed; those messages will be received again",
                    output.Failed
                  )
            ),
            Effect.catch((error) => Effect.logError(`delete failed: ${error.message}`))
          ),
        { maxSize: 10, delay: config.deleteFlushDelay }
      )
      const releases = yield* Batcher.make<string>(
        (receipts) =>
          sqs
            .changeMessageVisibilityBatch({
              QueueUrl: queue.url,
              Entries: entries(receipts).map((entry) => ({ ...entry, VisibilityTimeout: 0 }))
            })
            .pipe(Effect.catch((error) => Effect.logError(`release failed: ${error.message}`))),
        { maxSize: 10, delay: Duration.zero }
      )

      const room = yield* Semaphore.make(config.maxInFlight)
      const handlers = yield* FiberSet.make<unknown, never>()
      yield* Effect.addFinalizer(() =>
        FiberSet.size(handlers).pipe(
          Effect.flatMap((running) =>
            running === 0
              ? Effect.void
              : Effect.logInfo(
                  `shutting down: waiting up to ${Duration.format(config.shutdownTimeout)} for ${running} message(s) in progress`
                ).pipe(
                  Effect.andThen(
                    FiberSet.awaitEmpty(handlers).pipe(Effect.timeoutOption(config.shutdownTimeout))
                  )
                )
          )
        )
      )

      // Only the handler itself is interruptible: what follows it (ack or release) always runs.
      const handle = (message: ReceivedMessage) =>
        Effect.interruptible(handler(message)).pipe(
          Effect.matchCauseEffect({
            onSuccess: () => deletes.offer(message.receiptHandle),
            onFailure: (cause) =>
              Cause.hasInterruptsOnly(cause)
                ? releases.offer(message.receiptHandle)
                : Effect.logWarning("handler failed; the message will be received again", cause)
          }),
          Effect.ensuring(room.release(1)),
          Effect.uninterruptible,
          Effect.annotateLogs({ messageId: message.messageId })
        )

      const receive = (count: number) =>
        sqs.receiveMessage({
          QueueUrl: queue.url,
          MaxNumberOfMessages: count,
          WaitTimeSeconds: config.waitSeconds,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
          ...(config.visibilitySeconds === undefined ? {} : { VisibilityTimeout: config.visibilitySeconds })
        })

      // One poll: wait for room (interruptible), then receive and dispatch without interruption,
      // so the poll in flight at shutdown completes and what it got is handled.
      const poll = Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          yield* restore(room.take(1))
          let count = 1
          while (count < config.maxMessages && (yield* room.takeIfAvailable(1))) count++
          const output = yield* receive(count).pipe(Effect.onError(() => room.release(count)))
          const messages = (output.Messages ?? []).map((message) => toReceived(message, queue))
          if (messages.length < count) yield* room.release(count - messages.length)
          for (const message of messages) yield* FiberSet.run(handlers, handle(message))
        })
      )

      const pollWithBackoff = poll.pipe(
        Effect.tapError((error) => Effect.logWarning(`receive failed, retrying: ${error.message}`)),
        Effect.retry(config.receiveRetrySchedule)
      )

      // The poller runs on its own fiber so that shutdown can begin (and say so) while a long
      // poll is still in flight; interrupting the poller then waits for that poll to complete.
      const poller = yield* Effect.forkScoped(Effect.forever(pollWithBackoff))
      yield* Effect.logInfo(`consuming ${queue.url}`)
      return yield* Fiber.join(poller).pipe(
        Effect.onInterrupt(() =>
          Effect.logInfo(
            `shutting down: no new polls; letting the poll in flight finish (up to ${config.waitSeconds}s)`
          ).pipe(Effect.andThen(Fiber.interrupt(poller)))
        )
      )
    }).pipe(Effect.annotateLogs({ queue: queueRef }))
  )
