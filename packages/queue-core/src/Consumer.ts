/**
 * The long-poll consumer engine.
 *
 * - **Capacity-driven polling.** It receives only when it has room: up to `maxInFlight` messages
 *   are handled at once, each on its own fiber, so a slow message never holds back the others.
 *   When there is room for more than one receive's worth, several receives overlap, but only
 *   while the queue has a backlog: an idle consumer keeps a single long poll open.
 * - **Acknowledgement.** A handler that succeeds gets its message deleted; deletes are grouped
 *   into DeleteMessageBatch requests after a short delay and their failed entries retried. A
 *   message whose handler failed is never deleted.
 * - **Leases.** While a handler runs, the message's visibility is extended before it lapses, in
 *   batches, never after the handler is done and never past SQS's 12 hours. `handlerTimeout`
 *   interrupts a handler that takes too long.
 * - **Failure outcomes,** chosen by the handler's error: `RetryLater` (the default for any other
 *   error or defect: the message comes back after a backoff computed from its receive count),
 *   `DeadLetter` (moved to the queue's dead-letter queue at once), `Release` (visible again at
 *   once). After the redrive policy's `maxReceiveCount` receives SQS moves it to the DLQ itself.
 * - **A loop that never dies.** Receive errors are logged with their reason and retried with
 *   backoff for as long as the consumer runs. A queue that cannot be resolved at start fails at
 *   once.
 * - **FIFO.** Messages of one MessageGroupId are handled one after another, in order, while
 *   groups run in parallel. When one fails, the group's later messages in hand are released, not
 *   handled out of order.
 * - **Lossless shutdown** on interruption (SIGINT/SIGTERM through `NodeRuntime.runMain`): no new
 *   polls; a poll in flight completes rather than being aborted (an aborted long poll can swallow
 *   a message for a whole visibility timeout) and what it got is released at once; messages
 *   received but not started are released at once; running handlers get `shutdownTimeout` to
 *   finish, then are interrupted and their messages released; pending deletes are flushed.
 *
 * @since 0.1.0
 */
import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs"
import {
  Cause,
  Clock,
  Deferred,
  Duration,
  Effect,
  Fiber,
  FiberSet,
  Latch,
  Metric,
  Option,
  Schedule,
  Schema,
  Semaphore
} from "effect"
import * as ConsumerMetrics from "./ConsumerMetrics.ts"
import * as Leases from "./internal/leases.ts"
import * as Receipts from "./internal/receipts.ts"
import { delayAt } from "./internal/scheduleDelay.ts"
import type { InvalidQueueRef } from "./QueueRef.ts"
import { type Queue, Queues } from "./Queues.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"
import * as TraceContext from "./TraceContext.ts"

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
  /** Messages handled at once (default 10); may be far above 10. */
  readonly maxInFlight?: number | undefined
  /** Visibility timeout asked for on receive and on each lease extension, 1 s to 12 h (default: the queue's). */
  readonly visibilityTimeout?: Duration.Input | undefined
  /** Interrupts a handler that runs longer than this; its message is retried later. */
  readonly handlerTimeout?: Duration.Input | undefined
  /** How long running handlers may take to finish once shutdown starts (default 10 s). */
  readonly shutdownTimeout?: Duration.Input | undefined
  /** How long a delete waits for others to share its DeleteMessageBatch (default 20 ms). */
  readonly deleteFlushDelay?: Duration.Input | undefined
  /** Backoff between failed receives; the default grows from 200 ms to 20 s, jittered, forever. */
  readonly receiveRetrySchedule?: Schedule.Schedule<unknown, SqsError> | undefined
  /**
   * When a failed message comes back, by its receive count (step 1 after the first receive).
   * Default: 1 s, doubling, jittered, at most 15 minutes.
   */
  readonly retryDelay?: Schedule.Schedule<unknown, ReceivedMessage> | undefined
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
 * The default backoff between failed receives.
 *
 * @category schedules
 */
export const defaultReceiveRetrySchedule: Schedule.Schedule<unknown, SqsError> = Schedule.min([
  Schedule.exponential("200 millis"),
  Schedule.spaced("20 seconds")
]).pipe(Schedule.jittered)

/**
 * The default delay before a failed message comes back: 1 s, 2 s, 4 s, ... (jittered), at most
 * 15 minutes.
 *
 * @category schedules
 */
export const defaultRetryDelay: Schedule.Schedule<unknown, ReceivedMessage> = Schedule.min([
  Schedule.exponential("1 second"),
  Schedule.spaced("15 minutes")
]).pipe(Schedule.jittered)

/** At most this many receives overlap, however large `maxInFlight` is. */
const MAX_POLLERS = 16

interface Settings {
  readonly maxMessages: number
  readonly waitSeconds: number
  readonly maxInFlight: number
  readonly visibility: Duration.Duration | undefined
  readonly handlerTimeout: Duration.Duration | undefined
  readonly shutdownTimeout: Duration.Duration
  readonly deleteFlushDelay: Duration.Duration
  readonly receiveRetrySchedule: Schedule.Schedule<unknown, SqsError>
  readonly retryDelay: Schedule.Schedule<unknown, ReceivedMessage>
}

const durationOption = (
  name: string,
  input: Duration.Input | undefined,
  range?: { readonly min: Duration.Duration; readonly max: Duration.Duration }
): Duration.Duration | undefined | InvalidOptions => {
  if (input === undefined) return undefined
  const duration = Duration.fromInput(input)
  if (Option.isNone(duration))
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
export const settings = (options: Options): Effect.Effect<Settings, InvalidOptions> =>
  Effect.gen(function* () {
    const check = <A>(value: A | InvalidOptions): Effect.Effect<A, InvalidOptions> =>
      value instanceof InvalidOptions ? Effect.fail(value) : Effect.succeed(value)
    const maxMessages = options.maxMessages ?? 10
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > 10) {
      return yield* new InvalidOptions({
        message: `maxMessages must be an integer from 1 to 10, got ${maxMessages}`
      })
    }
    const maxInFlight = options.maxInFlight ?? 10
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      return yield* new InvalidOptions({
        message: `maxInFlight must be a positive integer, got ${maxInFlight}`
      })
    }
    const wait =
      (yield* check(durationOption("waitTime", options.waitTime, limits.waitTime))) ?? limits.waitTime.max
    const visibility = yield* check(
      durationOption("visibilityTimeout", options.visibilityTimeout, limits.visibilityTimeout)
    )
    const handlerTimeout = yield* check(durationOption("handlerTimeout", options.handlerTimeout))
    const shutdownTimeout =
      (yield* check(durationOption("shutdownTimeout", options.shutdownTimeout))) ?? Duration.seconds(10)
    const deleteFlushDelay =
      (yield* check(durationOption("deleteFlushDelay", options.deleteFlushDelay))) ?? Duration.millis(20)
    return {
      maxMessages,
      maxInFlight,
      waitSeconds: Math.floor(Duration.toSeconds(wait)),
      visibility,
      handlerTimeout,
      shutdownTimeout,
      deleteFlushDelay,
      receiveRetrySchedule: options.receiveRetrySchedule ?? defaultReceiveRetrySchedule,
      retryDelay: options.retryDelay ?? defaultRetryDelay
    }
  })

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

/** What to do with a message whose handler did not succeed. */
type Outcome =
  | { readonly _tag: "Release"; readonly reason: string }
  | { readonly _tag: "RetryLater"; readonly reason: string; readonly delay: Duration.Duration | undefined }
  | { readonly _tag: "DeadLetter"; readonly reason: string }

const outcomeOf = (cause: Cause.Cause<unknown>): Outcome => {
  if (Cause.hasInterruptsOnly(cause)) return { _tag: "Release", reason: "interrupted by shutdown" }
  const error = Cause.squash(cause)
  if (error instanceof Release) return { _tag: "Release", reason: error.reason }
  if (error instanceof DeadLetter) return { _tag: "DeadLetter", reason: error.reason }
  if (error instanceof RetryLater) return { _tag: "RetryLater", reason: error.reason, delay: error.delay }
  const reason = error instanceof Error ? error.message : String(error)
  return { _tag: "RetryLater", reason: reason === "" ? String(error) : reason, delay: undefined }
}

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
      const queues = yield* Queues
      const queue = yield* queues.resolve(queueRef)
      const visibility = config.visibility ?? queue.visibilityTimeout
      const byQueue = { queue: queue.name }
      const metric = {
        received: Metric.withAttributes(ConsumerMetrics.received, byQueue),
        processed: Metric.withAttributes(ConsumerMetrics.processed, byQueue),
        failed: Metric.withAttributes(ConsumerMetrics.failed, byQueue),
        retried: Metric.withAttributes(ConsumerMetrics.retried, byQueue),
        deadLettered: Metric.withAttributes(ConsumerMetrics.deadLettered, byQueue),
        released: Metric.withAttributes(ConsumerMetrics.released, byQueue),
        emptyReceives: Metric.withAttributes(ConsumerMetrics.emptyReceives, byQueue),
        inFlight: Metric.withAttributes(ConsumerMetrics.inFlight, byQueue),
        handlerDuration: Metric.withAttributes(ConsumerMetrics.handlerDuration, byQueue)
      }

      // Created first, so that their final flush runs after every handler is done.
      const receipts = yield* Receipts.make(sqs, queue, { deleteFlushDelay: config.deleteFlushDelay })
      const leases = yield* Leases.make(sqs, queue, { visibility })

      const room = yield* Semaphore.make(config.maxInFlight)
      let inFlight = 0
      let shuttingDown = false

      /** The message leaves the consumer's hands: no more lease, its room is free. */
      const letGo = (message: ReceivedMessage) =>
        Effect.suspend(() => {
          leases.untrack(message.receiptHandle)
          inFlight--
          return Effect.andThen(Metric.update(metric.inFlight, inFlight), room.release(1))
        })

      const release = (message: ReceivedMessage) =>
        Effect.andThen(
          receipts.changeVisibility(message.receiptHandle, Duration.zero),
          Metric.update(metric.released, 1)
        )

      /** `receivedAt`: when the message was received, for SQS's 12-hour limit. */
      const retryLater = (
        message: ReceivedMessage,
        delay: Duration.Duration | undefined,
        receivedAt: number
      ) =>
        Effect.gen(function* () {
          const backoff = delay ?? (yield* delayAt(config.retryDelay, message.receiveCount, message))
          // Never past SQS's limit of 12 hours from the receive.
          const left = Duration.toMillis(Leases.MAX_LEASE) - ((yield* Clock.currentTimeMillis) - receivedAt)
          const capped = Duration.millis(Math.max(0, Math.min(Duration.toMillis(backoff), left - 1000)))
          yield* receipts.changeVisibility(message.receiptHandle, capped)
          yield* Metric.update(metric.retried, 1)
        })

      const deadLetterQueue = yield* Effect.cached(
        Option.match(queue.redrivePolicy, {
          onNone: () => Effect.succeed(Option.none<Queue>()),
          onSome: (policy) =>
            queues.resolve(policy.deadLetterTargetArn).pipe(
              Effect.map(Option.some),
              Effect.tapError((error) =>
                Effect.logError(`cannot resolve the dead-letter queue: ${error.message}`)
              ),
              Effect.orElseSucceed(() => Option.none<Queue>())
            )
        })
      )

      const deadLetter = (message: ReceivedMessage, reason: string, receivedAt: number) =>
        Effect.gen(function* () {
          const dlq = yield* deadLetterQueue
          if (Option.isNone(dlq)) {
            yield* Effect.logError(
              `no dead-letter queue for ${queue.name}: retrying the poison message later (${reason})`
            )
            return yield* retryLater(message, Duration.minutes(15), receivedAt)
          }
          const moved = yield* sqs
            .sendMessage({
              QueueUrl: dlq.value.url,
              MessageBody: message.body,
              ...(Object.keys(message.messageAttributes).length > 0
                ? { MessageAttributes: { ...message.messageAttributes } }
                : {}),
              ...(dlq.value.fifo
                ? {
                    MessageGroupId: message.groupId ?? message.messageId,
                    MessageDeduplicationId: message.messageId
                  }
                : {})
            })
            .pipe(
              Effect.as(true),
              Effect.catch((error) =>
                Effect.as(
                  Effect.logError(`could not move the message to ${dlq.value.name}: ${error.message}`),
                  false
                )
              )
            )
          if (!moved) return yield* retryLater(message, undefined, receivedAt)
          yield* receipts.delete(message.receiptHandle)
          yield* Metric.update(metric.deadLettered, 1)
          yield* Effect.logWarning(`moved to ${dlq.value.name}: ${reason}`)
        })

      const runHandler = (message: ReceivedMessage) => {
        // The handler's span continues the trace of the code that sent the message.
        const handled = Effect.interruptible(handler(message)).pipe(
          Effect.withSpan(`${queue.name} process`, {
            kind: "consumer",
            attributes: {
              "messaging.system": "aws_sqs",
              "messaging.destination.name": queue.name,
              "messaging.message.id": message.messageId
            },
            ...Option.match(TraceContext.extract(message.messageAttributes), {
              onNone: () => ({}),
              onSome: (parent) => ({ parent })
            })
          })
        )
        return config.handlerTimeout === undefined
          ? handled
          : handled.pipe(
              Effect.timeoutOrElse({
                duration: config.handlerTimeout,
                orElse: () =>
                  Effect.fail(
                    new RetryLater({
                      reason: `the handler timed out after ${Duration.format(config.handlerTimeout!)}`
                    })
                  )
              })
            )
      }

      /**
       * Handles one message and settles it: deleted, retried later, dead-lettered or released.
       * Only the handler is interruptible; settling always runs. True when the handler succeeded.
       */
      const handleOne = (message: ReceivedMessage): Effect.Effect<boolean, never, R> =>
        Effect.gen(function* () {
          const started = yield* Clock.currentTimeMillis
          const exit = yield* Effect.exit(runHandler(message))
          yield* Metric.update(
            metric.handlerDuration,
            Duration.millis((yield* Clock.currentTimeMillis) - started)
          )
          // Stop the lease first, so that no extension is sent after the delete or overrides
          // the visibility decided below.
          const receivedAt = leases.receivedAt(message.receiptHandle) ?? started
          leases.untrack(message.receiptHandle)
          if (exit._tag === "Success") {
            yield* receipts.delete(message.receiptHandle)
            yield* Metric.update(metric.processed, 1)
            return true
          }
          const outcome = outcomeOf(exit.cause)
          if (!Cause.hasInterruptsOnly(exit.cause)) {
            yield* Metric.update(metric.failed, 1)
            yield* Effect.logWarning(`handler failed (${outcome._tag}): ${outcome.reason}`)
          }
          switch (outcome._tag) {
            case "Release":
              yield* release(message)
              break
            case "DeadLetter":
              yield* deadLetter(message, outcome.reason, receivedAt)
              break
            case "RetryLater":
              yield* retryLater(message, outcome.delay, receivedAt)
          }
          return false
        }).pipe(
          Effect.ensuring(letGo(message)),
          Effect.uninterruptible,
          Effect.annotateLogs({ messageId: message.messageId })
        )

      /** A message that will not be handled now: visible again at once. */
      const releaseUnstarted = (message: ReceivedMessage) => Effect.andThen(release(message), letGo(message))

      const handlers = yield* FiberSet.make<unknown, never>()

      /** Gives running handlers the shutdown deadline, then interrupts them (their messages are released). */
      const drainHandlers = FiberSet.size(handlers).pipe(
        Effect.flatMap((running) =>
          running === 0
            ? Effect.void
            : Effect.logInfo(
                `shutting down: waiting up to ${Duration.format(config.shutdownTimeout)} for ${running} handler(s) in progress`
              ).pipe(
                Effect.andThen(
                  FiberSet.awaitEmpty(handlers).pipe(Effect.timeoutOption(config.shutdownTimeout))
                ),
                Effect.andThen(FiberSet.clear(handlers))
              )
        )
      )

      // FIFO: the messages of a group are handled in order, one after another, also across receives.
      const groupTails = new Map<string, Deferred.Deferred<void>>()
      const handleGroup = (groupId: string, messages: ReadonlyArray<ReceivedMessage>) => {
        const previous = groupTails.get(groupId)
        const done = Deferred.makeUnsafe<void>()
        groupTails.set(groupId, done)
        let next = 0
        return Effect.gen(function* () {
          if (previous !== undefined) yield* Effect.interruptible(Deferred.await(previous))
          let failed = false
          for (; next < messages.length; next++) {
            const message = messages[next]!
            // After a failure, or once shutdown has begun, the rest keep their order by going back.
            if (failed || shuttingDown) yield* releaseUnstarted(message)
            else failed = !(yield* handleOne(message))
          }
        }).pipe(
          Effect.onInterrupt(() =>
            Effect.forEach(messages.slice(next), (message) => releaseUnstarted(message), { discard: true })
          ),
          Effect.ensuring(
            Effect.suspend(() => {
              if (groupTails.get(groupId) === done) groupTails.delete(groupId)
              return Deferred.succeed(done, undefined)
            })
          )
        )
      }

      const dispatch = (messages: ReadonlyArray<ReceivedMessage>) =>
        Effect.gen(function* () {
          if (!queue.fifo) {
            for (const message of messages) yield* FiberSet.run(handlers, handleOne(message))
            return
          }
          const groups = new Map<string, Array<ReceivedMessage>>()
          for (const message of messages) {
            const key = message.groupId ?? ""
            const group = groups.get(key)
            if (group === undefined) groups.set(key, [message])
            else group.push(message)
          }
          for (const [groupId, inGroup] of groups)
            yield* FiberSet.run(handlers, handleGroup(groupId, inGroup))
        })

      const receive = (count: number) =>
        sqs.receiveMessage({
          QueueUrl: queue.url,
          MaxNumberOfMessages: count,
          WaitTimeSeconds: config.waitSeconds,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
          ...(config.visibility === undefined
            ? {}
            : { VisibilityTimeout: Math.ceil(Duration.toSeconds(config.visibility)) })
        })

      // Extra receives run only while the queue has a backlog (the last receive came back full).
      const backlog = yield* Latch.make(false)

      // One poll: wait for room (interruptible), then receive and hand out without interruption,
      // so that a poll in flight at shutdown completes; what it got then is released at once.
      const poll = Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          yield* restore(room.take(1))
          let count = 1
          while (count < config.maxMessages && (yield* room.takeIfAvailable(1))) count++
          const output = yield* receive(count).pipe(Effect.onError(() => room.release(count)))
          const messages = (output.Messages ?? []).map((message) => toReceived(message, queue))
          if (messages.length < count) yield* room.release(count - messages.length)
          yield* messages.length === count ? backlog.open : backlog.close
          if (messages.length === 0) return yield* Metric.update(metric.emptyReceives, 1)
          yield* Metric.update(metric.received, messages.length)
          inFlight += messages.length
          yield* Metric.update(metric.inFlight, inFlight)
          for (const message of messages) yield* leases.track(message.receiptHandle)
          if (shuttingDown) {
            yield* Effect.forEach(messages, releaseUnstarted, { discard: true })
          } else {
            yield* dispatch(messages)
          }
        })
      )

      const pollWithBackoff = poll.pipe(
        Effect.tapError((error) => Effect.logWarning(`receive failed, retrying: ${error.message}`)),
        Effect.retry(config.receiveRetrySchedule)
      )

      const pollerCount = Math.min(Math.ceil(config.maxInFlight / config.maxMessages), MAX_POLLERS)
      const pollers = yield* Effect.forEach(
        Array.from({ length: pollerCount }, (_, index) => index),
        (index) =>
          Effect.forkScoped(
            Effect.forever(index === 0 ? pollWithBackoff : Effect.andThen(backlog.await, pollWithBackoff))
          )
      )
      yield* Effect.logInfo(`consuming ${queue.url}`)
      // Shutdown: the polls in flight finish (what they get is released) while running handlers
      // get their deadline; then the scope flushes deletes and visibility changes. It runs on a
      // detached fiber: fibers forked by the interrupted fiber itself (timeouts, races) would be
      // interrupted with it.
      const shutdown = Effect.suspend(() => {
        shuttingDown = true
        return Effect.logInfo(
          `shutting down: no new polls; letting the poll in flight finish (up to ${config.waitSeconds}s)`
        ).pipe(
          Effect.andThen(
            Effect.all([Fiber.interruptAll(pollers), drainHandlers], {
              concurrency: "unbounded",
              discard: true
            })
          )
        )
      })
      return yield* Fiber.join(pollers[0]!).pipe(
        Effect.onInterrupt(() => Effect.flatMap(Effect.forkDetach(shutdown), Fiber.await))
      )
    }).pipe(Effect.annotateLogs({ queue: queueRef }))
  )

/**
 * A message whose body was decoded by a schema.
 *
 * @category models
 */
export interface TypedMessage<A> extends Omit<ReceivedMessage, "body"> {
  readonly body: A
  readonly rawBody: string
}

/**
 * Decodes each body (JSON) with `schema` before `handler` sees it. A body that does not decode
 * is poison: it goes to the dead-letter queue after one receive.
 *
 * @category constructors
 */
export const withSchema =
  <A, I, E, R>(
    schema: Schema.Codec<A, I, never, never>,
    handler: (message: TypedMessage<A>) => Effect.Effect<unknown, E, R>
  ): Handler<E | DeadLetter, R> =>
  (message) =>
    Schema.decodeUnknownEffect(Schema.fromJsonString(schema))(message.body).pipe(
      Effect.mapError(
        (error) =>
          new DeadLetter({
            reason: `the body does not match its schema: ${error.message.replace(/\s+/g, " ")}`
          })
      ),
      Effect.flatMap((body) => handler({ ...message, body, rawBody: message.body }))
    )

/**
 * What the consumers of a queue have done so far (from the metrics).
 *
 * @category running
 */
export const summary = ConsumerMetrics.summary
