/**
 * Sending messages.
 *
 * - `send` sends one message, but calls made at the same time to the same queue are grouped into
 *   SendMessageBatch requests of up to 10 entries and 1 MiB together (flushed when full or after
 *   `flushDelay`); each caller gets its own message id or its own error.
 * - Entries that SQS failed on its side (throttling, internal errors) are retried under
 *   `entryRetrySchedule`; entries failed by their own fault are reported to their caller with
 *   SQS's code and message. A request whose connection broke mid-way is not retried: SQS may
 *   have stored it, and sending again could duplicate the message.
 * - Every message is checked first against SQS's rules and the queue's settings (body size
 *   against the queue's `MaximumMessageSize`, characters, attributes, FIFO group and
 *   deduplication ids, delay): an invalid message fails with `InvalidMessage` and is not sent.
 * - `sendBatch` checks all its messages before sending any; `sendAll` streams any number of
 *   messages with bounded concurrency and constant memory, reporting progress. It can be stopped
 *   part-way (`stopWhen`: no further message is taken, the requests in flight are answered) and
 *   says how far it got (`answeredPrefix`), so that the rest can be sent later.
 * - Inside a span, each message carries the span's trace context (a `traceparent` attribute) so
 *   that the consumer's span continues the trace (see `TraceContext`).
 * - With a payload bucket (`payloads`), a message larger than the threshold has its body stored
 *   in S3 and is sent as a pointer that AWS's extended clients read (see `LargePayloads`).
 *
 * @since 0.1.0
 */
import type { SendMessageBatchRequestEntry, SendMessageBatchResultEntry } from "@aws-sdk/client-sqs"
import { Context, Duration, Effect, Exit, Layer, Option, type Schedule, Schema, type Stream } from "effect"
import * as EntryBatcher from "./internal/entryBatcher.ts"
import { sendAll as sendAllOf } from "./internal/producer/bulk.ts"
import {
  type BatchOptions,
  type BulkOptions,
  type BulkSummary,
  describeFailure,
  type ProducerError,
  SendFailed,
  type SendOutcome,
  type Sent
} from "./internal/producer/model.ts"
import * as Offload from "./internal/producer/offload.ts"
import * as LargePayloads from "./LargePayloads.ts"
import { InvalidMessage, type OutgoingMessage, type ValidatedMessage, validate } from "./OutgoingMessage.ts"
import type { PayloadStoreError } from "./PayloadStore.ts"
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
     * Sends messages in batches of up to 10 entries and 1 MiB; the outcome of each message is
     * returned in input order. Fails without sending anything when a message is invalid.
     */
    readonly sendBatch: (
      queue: string,
      messages: ReadonlyArray<OutgoingMessage | string>,
      options?: BatchOptions
    ) => Effect.Effect<ReadonlyArray<SendOutcome>, SqsError | InvalidMessage | InvalidQueueRef>
    /**
     * Sends a stream of any length with bounded concurrency and constant memory. Invalid and
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
  /** SendMessageBatch requests in flight at once (default 16); further sends wait for a slot. */
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

    const check = (queue: Queue, message: OutgoingMessage | string) => {
      const result = validateFor(queue, toMessage(message))
      return result instanceof InvalidMessage ? Effect.fail(result) : Effect.succeed(result)
    }

    const submit = (queue: Queue, message: ValidatedMessage): Effect.Effect<Sent, SendFailed | SqsError> =>
      batcher.submit(queue.url, message.entry, message.size).pipe(
        Effect.map((ok): Sent => ({ messageId: ok.MessageId ?? "", sequenceNumber: ok.SequenceNumber })),
        Effect.mapError(toSendFailed)
      )

    /** Sends a prepared message; an object stored for it is deleted if SQS surely did not take it. */
    const submitPrepared = (queue: Queue, prepared: Offload.Prepared) =>
      prepared.stored === undefined || offload === undefined
        ? submit(queue, prepared.message)
        : submit(queue, prepared.message).pipe(
            Effect.tapError((error) => offload.cleanUp(prepared.stored!, error))
          )

    const sendValidated = (
      queue: Queue,
      message: ValidatedMessage
    ): Effect.Effect<Sent, SendFailed | SqsError | PayloadStoreError> =>
      offload === undefined
        ? submit(queue, message)
        : Effect.flatMap(offload.prepare(queue, message), (prepared) => submitPrepared(queue, prepared))

    const sendTo = (queue: Queue, message: OutgoingMessage | string) =>
      TraceContext.inject(toMessage(message)).pipe(
        Effect.flatMap((traced) => check(queue, traced)),
        Effect.flatMap((validated) => sendValidated(queue, validated))
      )

    const send = (queueRef: string, message: OutgoingMessage | string) =>
      Effect.flatMap(queues.resolve(queueRef), (queue) => sendTo(queue, message))

    const sendBatch = Effect.fnUntraced(function* (
      queueRef: string,
      messages: ReadonlyArray<OutgoingMessage | string>,
      batchOptions?: BatchOptions
    ) {
      const queue = yield* queues.resolve(queueRef)
      const validated: Array<ValidatedMessage> = []
      for (const [index, message] of messages.entries()) {
        const result = validateFor(queue, yield* TraceContext.inject(toMessage(message)))
        if (result instanceof InvalidMessage) {
          return yield* messages.length === 1 ? result : new InvalidMessage({ reason: result.reason, index })
        }
        validated.push(result)
      }
      return yield* Effect.forEach(
        validated,
        (message, index) =>
          sendValidated(queue, message).pipe(
            Effect.match({
              onSuccess: (sent): SendOutcome => ({ _tag: "Sent", index, ...sent }),
              onFailure: (error): SendOutcome => ({ _tag: "Failed", index, ...describeFailure(error) })
            })
          ),
        { concurrency: batchOptions?.concurrency ?? 40 }
      )
    })

    /**
     * A bulk send's batch: the trace context read once, each message checked by plain functions,
     * the valid ones sent together; the outcome of each, in order.
     */
    const sendGroup =
      <A>(queue: Queue, toOutgoing: (item: A) => OutgoingMessage | string) =>
      (group: ReadonlyArray<A>): Effect.Effect<ReadonlyArray<Exit.Exit<Sent, ProducerError>>> =>
        Effect.gen(function* () {
          const traceparent = yield* TraceContext.current
          const checked = group.map((item) =>
            validateFor(queue, TraceContext.injectWith(traceparent, toMessage(toOutgoing(item))))
          )
          // Large bodies go to S3 first, in parallel; the rest need no effect at all.
          if (offload !== undefined) {
            return yield* Effect.forEach(
              checked,
              (result): Effect.Effect<Exit.Exit<Sent, ProducerError>> =>
                result instanceof InvalidMessage
                  ? Effect.succeed(Exit.fail(result))
                  : Effect.exit(sendValidated(queue, result)),
              { concurrency: "unbounded" }
            )
          }
          const valid = checked.filter(
            (result): result is ValidatedMessage => !(result instanceof InvalidMessage)
          )
          const answers = yield* batcher.submitAll(
            queue.url,
            valid.map((message) => ({ entry: message.entry, size: message.size }))
          )
          let next = 0
          return checked.map((result): Exit.Exit<Sent, ProducerError> => {
            if (result instanceof InvalidMessage) return Exit.fail(result)
            return Exit.mapBoth(answers[next++]!, {
              onSuccess: (ok): Sent => ({ messageId: ok.MessageId ?? "", sequenceNumber: ok.SequenceNumber }),
              onFailure: toSendFailed
            })
          })
        }).pipe(
          Effect.withSpan(
            "Producer.sendBatch",
            { attributes: { queue: queue.name, messages: group.length } },
            { captureStackTrace: false }
          )
        )

    const sendAll = <A, E, R>(queueRef: string, items: Stream.Stream<A, E, R>, bulk: BulkOptions<A>) =>
      Effect.flatMap(queues.resolve(queueRef), (queue) =>
        sendAllOf(items, sendGroup(queue, bulk.toMessage), bulk)
      )

    const validateOne = (queueRef: string, message: OutgoingMessage | string) =>
      Effect.flatMap(queues.resolve(queueRef), (queue) =>
        Effect.map(
          check(queue, message),
          (checked): Checked => ({
            size: checked.size,
            throughS3: offload?.goesToS3(queue, checked) ?? false
          })
        )
      )

    return Producer.of({ send, sendBatch, sendAll, validate: validateOne })
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
