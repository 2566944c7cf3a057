/**
 * Sending messages.
 *
 * - `send` sends one message, but calls made at the same time to the same queue are grouped into
 *   SendMessageBatch requests of up to 10 entries and 1 MiB together (flushed when full or after
 *   `flushDelay`); each caller gets its own message id or its own error.
 * - Entries that SQS failed on its side (throttling, internal errors) are retried under
 *   `entryRetrySchedule`; entries failed by their own fault are reported to their caller with
 *   SQS's code and message. A whole request is retried by the client only when sending it again
 *   is safe (see `SqsClient`): one that got no answer is not, since SQS may be storing it.
 * - Every message is checked first against SQS's rules and the queue's settings (body size
 *   against the queue's `MaximumMessageSize`, characters, attributes, FIFO group and
 *   deduplication ids, delay): an invalid message fails with `InvalidMessage` and is not sent.
 * - `sendBatch` checks all its messages before sending any; `sendAll` streams any number of
 *   messages with constant memory, reporting progress. Their `concurrency` counts requests of the
 *   call in flight (SendMessageBatch requests of up to 10, S3 uploads), as `Options.concurrency`
 *   counts the producer's SendMessageBatch requests. All three go through one pipeline: the
 *   trace context read once per call (or group), the same checks, the same upload of large
 *   bodies, the same batcher. `sendAll` can be stopped part-way (`stopWhen`: no further
 *   message is taken, the requests in flight are answered) and says how far it got
 *   (`answeredPrefix`), so that the rest can be sent later.
 * - Inside a span, each message carries the span's trace context (a `traceparent` attribute) so
 *   that the consumer's span continues the trace (see `TraceContext`).
 * - With a payload bucket (`payloads`), a message larger than the threshold has its body stored
 *   in S3 and is sent as a pointer that AWS's extended clients read (see `LargePayloads`).
 *
 * @since 0.1.0
 */
import type { SendMessageBatchRequestEntry, SendMessageBatchResultEntry } from "@aws-sdk/client-sqs"
import {
  Context,
  Duration,
  Effect,
  Exit,
  Layer,
  Option,
  type Schedule,
  Schema,
  Semaphore,
  type Stream
} from "effect"
import * as EntryBatcher from "./internal/entryBatcher.ts"
import { sendAll as sendAllOf } from "./internal/producer/bulk.ts"
import {
  type BatchOptions,
  type BulkOptions,
  type BulkSummary,
  describeFailure,
  type ProducerError,
  requestsInFlight,
  SendFailed,
  type SendOutcome,
  type Sent
} from "./internal/producer/model.ts"
import * as Offload from "./internal/producer/offload.ts"
import { tracerInstalled } from "./internal/tracing.ts"
import * as LargePayloads from "./LargePayloads.ts"
import { InvalidMessage, type OutgoingMessage, type ValidatedMessage, validate } from "./OutgoingMessage.ts"
import { PayloadStore } from "./PayloadStore.ts"
import type { InvalidQueueRef } from "./QueueRef.ts"
import { type Queue, Queues } from "./Queues.ts"
import * as Schedules from "./Schedules.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"
import * as TraceContext from "./TraceContext.ts"

export {
  type BatchOptions,
  type BulkFailure,
  type BulkOptions,
  type BulkSummary,
  type ProducerError,
  type Progress,
  SendFailed,
  type SendOutcome,
  type Sent
} from "./internal/producer/model.ts"

/**
 * @category services
 */
export class Producer extends Context.Service<
  Producer,
  {
    /** Sends one message (a string is a body); concurrent calls share SendMessageBatch requests. */
    readonly send: (queue: string, message: OutgoingMessage | string) => Effect.Effect<Sent, ProducerError>
    /**
     * Sends messages in batches of up to 10 entries and 1 MiB, at most `concurrency` requests in
     * flight (default 4); the outcome of each message is returned in input order. Fails without
     * sending anything when a message is invalid.
     */
    readonly sendBatch: (
      queue: string,
      messages: ReadonlyArray<OutgoingMessage | string>,
      options?: BatchOptions
    ) => Effect.Effect<ReadonlyArray<SendOutcome>, SqsError | InvalidMessage | InvalidQueueRef>
    /**
     * Sends a stream of any length with constant memory, at most `concurrency` requests in flight
     * (default 4). Invalid and
     * refused messages are counted and reported, not fatal. `stopWhen` stops it gracefully
     * (nothing more is taken, batches in flight are answered), `abandonWhen` at once; the summary
     * then says how far it got.
     */
    readonly sendAll: <A, E, R>(
      queue: string,
      items: Stream.Stream<A, E, R>,
      options: BulkOptions<A>
    ) => Effect.Effect<BulkSummary<A>, E | SqsError | InvalidQueueRef, R>
    /**
     * Checks a message against SQS's rules and the queue, without sending it; says whether its
     * body would be stored in S3.
     */
    readonly validate: (
      queue: string,
      message: OutgoingMessage | string
    ) => Effect.Effect<Checked, SqsError | InvalidMessage | InvalidQueueRef>
    /**
     * `validate`'s check for one queue as a plain function, the queue resolved and the trace
     * context read once: for checking many messages (a whole file) without an effect each.
     */
    readonly validator: (
      queue: string
    ) => Effect.Effect<
      (message: OutgoingMessage | string) => Checked | InvalidMessage,
      SqsError | InvalidQueueRef
    >
  }
>()("@bgcheck/queue-core/Producer") {}

/**
 * What `validate` found: the message's size as SQS counts it, and whether its body would go to
 * the payload bucket.
 *
 * @category models
 */
export interface Checked {
  readonly size: number
  readonly throughS3: boolean
}

/**
 * @category constants
 */
export const MAX_BATCH_ENTRIES = EntryBatcher.MAX_ENTRIES

/**
 * @category constants
 */
export const MAX_BATCH_BYTES = EntryBatcher.MAX_BYTES

/**
 * How entries that SQS failed on its side are retried (`Schedules.entryRetry`): 50 ms, 100 ms,
 * 200 ms, ... (jittered), 6 times.
 *
 * @category schedules
 */
export const defaultEntryRetrySchedule: Schedule.Schedule<unknown, unknown> = Schedules.entryRetry

/**
 * @category models
 */
export interface Options {
  /** How long a send waits for others to share its request (default 10 ms). */
  readonly flushDelay?: Duration.Input | undefined
  readonly entryRetrySchedule?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * SendMessageBatch requests of the whole producer in flight at once (default 16), whichever
   * call they serve; further sends wait for a slot.
   */
  readonly concurrency?: number | undefined
  /**
   * Store bodies larger than the threshold in this S3 bucket and send pointers, as AWS's
   * extended clients do (needs a `PayloadStore`).
   */
  readonly payloads?: LargePayloads.Options | undefined
}

/**
 * Groups messages into batches of at most 10 entries and 1 MiB together, keeping input order.
 *
 * @category constructors
 */
export const chunk: <A extends { readonly size: number }>(items: ReadonlyArray<A>) => Array<Array<A>> =
  EntryBatcher.chunk

const toMessage = (message: OutgoingMessage | string): OutgoingMessage =>
  typeof message === "string" ? { body: message } : message

/** Large bodies need their options right and a store to go to. */
const offloadFor = (payloads: LargePayloads.Options) =>
  Effect.gen(function* () {
    const invalid = LargePayloads.check(payloads)
    if (invalid !== undefined) return yield* invalid
    const store = yield* Effect.serviceOption(PayloadStore)
    if (Option.isNone(store))
      return yield* new LargePayloads.InvalidPayloadOptions({
        message: "a payload bucket is set but no PayloadStore is provided (PayloadStore.layer)"
      })
    return Offload.make(payloads, store.value)
  })

/** A step of the pipeline that failed for this message (invalid, or its body not stored). */
const isFailure = (result: ValidatedMessage | ProducerError): result is ProducerError => "_tag" in result

const toSendFailed = (error: EntryBatcher.EntryFailed | SqsError): SendFailed | SqsError =>
  error._tag === "EntryFailed"
    ? new SendFailed({ code: error.code, reason: error.reason, senderFault: error.senderFault })
    : error

/**
 * @category constructors
 */
export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const sqs = yield* SqsClient
    const queues = yield* Queues
    const offload = options.payloads === undefined ? undefined : yield* offloadFor(options.payloads)
    const batcher = yield* EntryBatcher.make<
      Omit<SendMessageBatchRequestEntry, "Id">,
      SendMessageBatchResultEntry,
      SqsError
    >({
      send: (QueueUrl, Entries) => sqs.sendMessageBatch({ QueueUrl, Entries }),
      delay: Duration.fromInputUnsafe(options.flushDelay ?? "10 millis"),
      concurrency: options.concurrency ?? 16,
      entryRetrySchedule: options.entryRetrySchedule ?? defaultEntryRetrySchedule
    })

    /** SQS's rules, and those of S3 pointers when large bodies go there: nothing is sent yet. */
    const validateFor = (queue: Queue, message: OutgoingMessage): ValidatedMessage | InvalidMessage => {
      if (offload === undefined) return validate(message, queue)
      const result = validate(message, queue, offload.maximumSize)
      return result instanceof InvalidMessage ? result : (offload.check(queue, result) ?? result)
    }

    /** A message with the trace context (read once per call or group) and checked: plain functions. */
    const checkWith = (
      queue: Queue,
      traceparent: Option.Option<string>,
      message: OutgoingMessage | string
    ): ValidatedMessage | InvalidMessage =>
      validateFor(queue, TraceContext.injectWith(traceparent, toMessage(message)))

    /** What a caller gets for SQS's answer to one entry. */
    const toSent = (ok: SendMessageBatchResultEntry): Sent => ({
      messageId: ok.MessageId ?? "",
      sequenceNumber: ok.SequenceNumber
    })

    /** Stores the body in S3 when it goes there, under a permit of `limit` when given. */
    const prepare = (queue: Queue, message: ValidatedMessage, limit?: Semaphore.Semaphore) => {
      const stored = offload!.prepare(queue, message)
      return limit === undefined ? stored : limit.withPermits(1)(stored)
    }

    /** After a failed send: the object stored for it is deleted if SQS surely did not take it. */
    const cleanUp = (stored: LargePayloads.S3Pointer | undefined, error: SendFailed | SqsError) =>
      stored === undefined || offload === undefined ? Effect.void : offload.cleanUp(stored, error)

    /**
     * The one send pipeline, for one message (`send`): the trace context read once, checked, its
     * body offloaded when large, submitted to share a request with concurrent callers.
     */
    const sendOne = (queue: Queue, message: OutgoingMessage | string) =>
      Effect.flatMap(TraceContext.current, (traceparent): Effect.Effect<Sent, ProducerError> => {
        const checked = checkWith(queue, traceparent, message)
        if (checked instanceof InvalidMessage) return Effect.fail(checked)
        const submit = (ready: ValidatedMessage, stored?: LargePayloads.S3Pointer) =>
          batcher.submit(queue.url, ready.entry, ready.size).pipe(
            Effect.mapBoth({ onSuccess: toSent, onFailure: toSendFailed }),
            Effect.tapError((error) => cleanUp(stored, error))
          )
        return offload === undefined || !offload.goesToS3(queue, checked)
          ? submit(checked)
          : Effect.flatMap(prepare(queue, checked), (prepared) => submit(prepared.message, prepared.stored))
      })

    /**
     * The same pipeline for a group of checked messages (`sendBatch`, a bulk send's group): large
     * bodies stored in S3 first, in parallel; the valid messages sent together (`submitAll`), at
     * most `limit`'s permits of requests in flight; the outcome of each, in order. Messages with no
     * large body cost plain functions only.
     */
    const sendChecked = (
      queue: Queue,
      checked: Array<ValidatedMessage | ProducerError>,
      limit: Semaphore.Semaphore
    ): Effect.Effect<ReadonlyArray<Exit.Exit<Sent, ProducerError>>> =>
      Effect.gen(function* () {
        // The object stored for each message whose body went to S3, by index.
        const stored: Array<LargePayloads.S3Pointer | undefined> = []
        if (offload !== undefined) {
          const large: Array<number> = []
          for (const [index, result] of checked.entries())
            if (!isFailure(result) && offload.goesToS3(queue, result)) large.push(index)
          if (large.length > 0) {
            yield* Effect.forEach(
              large,
              (index) =>
                prepare(queue, checked[index] as ValidatedMessage, limit).pipe(
                  Effect.match({
                    onSuccess: (prepared) => {
                      checked[index] = prepared.message
                      stored[index] = prepared.stored
                    },
                    onFailure: (error) => {
                      checked[index] = error
                    }
                  })
                ),
              { concurrency: "unbounded", discard: true }
            )
          }
        }
        const entries: Array<{ readonly entry: ValidatedMessage["entry"]; readonly size: number }> = []
        for (const result of checked) if (!isFailure(result)) entries.push(result)
        const answers = entries.length === 0 ? [] : yield* batcher.submitAll(queue.url, entries, limit)
        let next = 0
        const unsent: Array<Effect.Effect<void>> = []
        const outcomes = checked.map((result, index): Exit.Exit<Sent, ProducerError> => {
          if (isFailure(result)) return Exit.fail(result)
          const exit = Exit.mapBoth(answers[next++]!, { onSuccess: toSent, onFailure: toSendFailed })
          const object = stored[index]
          if (object !== undefined && Exit.isFailure(exit)) {
            const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
            if (error !== undefined) unsent.push(cleanUp(object, error))
          }
          return exit
        })
        if (unsent.length > 0) yield* Effect.all(unsent, { concurrency: "unbounded", discard: true })
        return outcomes
      })

    const send = (queueRef: string, message: OutgoingMessage | string) =>
      Effect.flatMap(queues.resolve(queueRef), (queue) => sendOne(queue, message))

    const sendBatch = Effect.fnUntraced(function* (
      queueRef: string,
      messages: ReadonlyArray<OutgoingMessage | string>,
      batchOptions?: BatchOptions
    ) {
      const queue = yield* queues.resolve(queueRef)
      const traceparent = yield* TraceContext.current
      const checked: Array<ValidatedMessage | ProducerError> = []
      for (const [index, message] of messages.entries()) {
        const result = checkWith(queue, traceparent, message)
        if (result instanceof InvalidMessage) {
          return yield* messages.length === 1 ? result : new InvalidMessage({ reason: result.reason, index })
        }
        checked.push(result)
      }
      const limit = yield* Semaphore.make(requestsInFlight(batchOptions?.concurrency))
      const exits = yield* sendChecked(queue, checked, limit)
      return exits.map(
        (exit, index): SendOutcome =>
          Exit.isSuccess(exit)
            ? { _tag: "Sent", index, ...exit.value }
            : {
                _tag: "Failed",
                index,
                ...describeFailure(exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error)
              }
      )
    })

    /**
     * A bulk send's group: the trace context read once, each message checked by plain functions;
     * in a span of its own when a tracer is installed (else its messages carry the caller's).
     */
    const sendGroup =
      <A>(
        queue: Queue,
        toOutgoing: (item: A) => OutgoingMessage | string,
        limit: Semaphore.Semaphore,
        traced: boolean
      ) =>
      (group: ReadonlyArray<A>): Effect.Effect<ReadonlyArray<Exit.Exit<Sent, ProducerError>>> => {
        const sent = Effect.flatMap(TraceContext.current, (traceparent) =>
          sendChecked(
            queue,
            group.map((item) => checkWith(queue, traceparent, toOutgoing(item))),
            limit
          )
        )
        return traced
          ? sent.pipe(
              Effect.withSpan(
                "Producer.sendBatch",
                { attributes: { queue: queue.name, messages: group.length } },
                { captureStackTrace: false }
              )
            )
          : sent
      }

    const sendAll = <A, E, R>(queueRef: string, items: Stream.Stream<A, E, R>, bulk: BulkOptions<A>) =>
      Effect.gen(function* () {
        const queue = yield* queues.resolve(queueRef)
        const limit = yield* Semaphore.make(requestsInFlight(bulk.concurrency))
        return yield* sendAllOf(items, sendGroup(queue, bulk.toMessage, limit, yield* tracerInstalled), bulk)
      })

    /** The pipeline's check alone, with the trace context a send to `queueRef` would carry. */
    const validator = (queueRef: string) =>
      Effect.flatMap(queues.resolve(queueRef), (queue) =>
        Effect.map(
          TraceContext.current,
          (traceparent) =>
            (message: OutgoingMessage | string): Checked | InvalidMessage => {
              const checked = checkWith(queue, traceparent, message)
              return checked instanceof InvalidMessage
                ? checked
                : { size: checked.size, throughS3: offload?.goesToS3(queue, checked) ?? false }
            }
        )
      )

    const validateOne = (queueRef: string, message: OutgoingMessage | string) =>
      Effect.flatMap(validator(queueRef), (check) => {
        const checked = check(message)
        return checked instanceof InvalidMessage ? Effect.fail(checked) : Effect.succeed(checked)
      })

    return Producer.of({ send, sendBatch, sendAll, validate: validateOne, validator })
  })

/**
 * @category layers
 */
export const layer: Layer.Layer<Producer, never, SqsClient | Queues> = Layer.effect(
  Producer,
  // Without payload options, nothing can be invalid.
  Effect.orDie(make())
)

/**
 * A producer with non-default flush delay, entry retries or a payload bucket.
 *
 * @category layers
 */
export const layerWith = (
  options: Options
): Layer.Layer<Producer, LargePayloads.InvalidPayloadOptions, SqsClient | Queues> =>
  Layer.effect(Producer, make(options))

/**
 * Sends values of a schema as JSON bodies: `const sendJob = Producer.json(Job)`, then
 * `sendJob("jobs", { id: 1 })`. A value that does not encode fails with `InvalidMessage`.
 *
 * @category constructors
 */
export const json =
  <A, I>(schema: Schema.Codec<A, I, never, never>) =>
  (
    queue: string,
    value: A,
    options: Omit<OutgoingMessage, "body"> = {}
  ): Effect.Effect<Sent, ProducerError, Producer> =>
    Schema.encodeEffect(Schema.fromJsonString(schema))(value).pipe(
      Effect.mapError(
        (error) => new InvalidMessage({ reason: `the value does not match its schema: ${error.message}` })
      ),
      Effect.flatMap((body) =>
        Effect.flatMap(Producer, (producer) => producer.send(queue, { ...options, body }))
      )
    )
