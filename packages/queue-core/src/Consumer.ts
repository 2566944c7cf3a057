/**
 * The long-poll consumer engine.
 *
 * - **Capacity-driven polling.** It receives only when it has room: at most `maxInFlight`
 *   messages are held at once, each handled on its own fiber, so a slow message never holds back
 *   the others. A message holds its room from its receive until SQS has confirmed what happened to
 *   it (deleted, visibility changed, moved to the dead-letter queue), so when settling is slow
 *   (a real SQS's latency, throttling) receiving slows down too, instead of piling up receipts
 *   that expire and come back as duplicates. Several receives overlap while the queue has a
 *   backlog; an idle consumer keeps a single long poll open.
 * - **Acknowledgement.** A handler that succeeds gets its message deleted: deletes are grouped
 *   into DeleteMessageBatch requests after a short delay, several requests in flight, their failed
 *   entries retried. A delete SQS does not confirm is counted (`duplicatesRisked`) and logged: the
 *   message will be handled again. A message whose handler failed is never deleted.
 * - **Leases.** While a message waits or is handled, its visibility is extended before it lapses,
 *   in batches, never past SQS's 12 hours; a message being deleted keeps its lease until SQS
 *   confirms, and one being released, retried or dead-lettered is never extended again.
 *   `handlerTimeout` interrupts a handler that takes too long.
 * - **Failure outcomes,** chosen by the handler's error: `RetryLater` (the default for any other
 *   error or defect: the message comes back after a backoff computed from its receive count),
 *   `DeadLetter` (moved to the queue's dead-letter queue at once), `Release` (visible again at
 *   once). After the redrive policy's `maxReceiveCount` receives SQS moves it to the DLQ itself.
 * - **A loop that never dies.** Receive errors are logged with their reason and retried with
 *   backoff for as long as the consumer runs. A queue that cannot be resolved at start fails at
 *   once.
 * - **Wrapped messages.** A body stored in S3 by an extended client (this package's producer, or
 *   AWS's Java, Python and SNS extended clients) is fetched before the handler sees it, and its
 *   object deleted after the message (`keepPayloads` keeps it); a missing object is poison, a
 *   failed read is retried later. With `sns: "unwrap"`, SNS envelopes are opened first.
 * - **FIFO.** Messages of one MessageGroupId are handled one after another, in order, while
 *   groups run in parallel. When one fails, the group's later messages in hand are released, not
 *   handled out of order.
 * - **Lossless shutdown** on interruption (SIGINT/SIGTERM through `NodeRuntime.runMain`): no new
 *   polls; a poll in flight completes rather than being aborted (an aborted long poll can swallow
 *   a message for a whole visibility timeout) and what it got is released at once; messages
 *   received but not started are released at once; running handlers get `shutdownTimeout` to
 *   finish, then are interrupted and their messages released. It returns once SQS has answered
 *   for every message.
 *
 * The engine's parts live in `internal/consumer/`, one concept each: settings, the state of each
 * message and the room it takes (`inFlight`), the poller, dispatch (standard and FIFO), handling,
 * settlement, leases and shutdown.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Schema } from "effect"
import * as ConsumerMetrics from "./ConsumerMetrics.ts"
import * as Dispatch from "./internal/consumer/dispatch.ts"
import * as Handling from "./internal/consumer/handling.ts"
import * as InFlight from "./internal/consumer/inFlight.ts"
import * as Leases from "./internal/consumer/leases.ts"
import {
  DeadLetter,
  type Handler,
  type InvalidOptions,
  type Options,
  type ReceivedMessage
} from "./internal/consumer/model.ts"
import * as Poller from "./internal/consumer/poller.ts"
import { settings } from "./internal/consumer/settings.ts"
import * as Settlement from "./internal/consumer/settlement.ts"
import * as Shutdown from "./internal/consumer/shutdown.ts"
import * as Unwrap from "./internal/consumer/unwrap.ts"
import { tracerInstalled } from "./internal/tracing.ts"
import { PayloadStore } from "./PayloadStore.ts"
import type { InvalidQueueRef } from "./QueueRef.ts"
import { Queues } from "./Queues.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"

export {
  DeadLetter,
  defaultReceiveRetrySchedule,
  defaultRetryDelay,
  type Handler,
  InvalidOptions,
  limits,
  MAX_LEASE,
  type Options,
  type ReceivedMessage,
  Release,
  RetryLater
} from "./internal/consumer/model.ts"
export { settings } from "./internal/consumer/settings.ts"

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
      const metrics = ConsumerMetrics.forQueue(queue.name)
      yield* ConsumerMetrics.register(metrics)

      const inFlight = yield* InFlight.make(config.maxInFlight, metrics)
      const unwrap = Unwrap.make({
        unwrapSns: config.unwrapSns,
        keepPayloads: config.keepPayloads,
        store: yield* Effect.serviceOption(PayloadStore)
      })
      const settlement = yield* Settlement.make({
        sqs,
        queues,
        queue,
        settings: config,
        inFlight,
        metrics,
        removeStored: unwrap.deleted
      })
      yield* Leases.start({
        inFlight,
        visibility: config.visibility ?? queue.visibilityTimeout,
        extend: settlement.extend,
        metrics
      })
      const shutdown = Shutdown.make(config)
      const handleOne = Handling.make(handler, {
        settings: config,
        clock: yield* Clock.Clock,
        tracing: yield* tracerInstalled,
        queue,
        inFlight,
        settlement,
        metrics,
        unwrap
      })
      const { dispatch, handlers } = yield* Dispatch.make({
        fifo: queue.fifo,
        handleOne,
        release: settlement.release,
        stopping: shutdown.stopping
      })
      const pollers = yield* Poller.start({
        sqs,
        queue,
        settings: config,
        inFlight,
        metrics,
        dispatch,
        release: settlement.release,
        stopping: shutdown.stopping
      })
      yield* Effect.logInfo(`consuming ${queue.url}`)
      return yield* shutdown.runUntilInterrupted({ pollers, handlers, deletes: settlement.drainDeletes })
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
