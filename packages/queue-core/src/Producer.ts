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
 *   messages with bounded concurrency and constant memory, reporting progress.
 * - Inside a span, each message carries the span's trace context (a `traceparent` attribute) so
 *   that the consumer's span continues the trace (see `TraceContext`).
 *
 * @since 0.1.0
 */
import {
  Clock,
  Context,
  Data,
  Duration,
  Effect,
  Exit,
  Layer,
  Request,
  RequestResolver,
  Schedule,
  Schema,
  Stream
} from "effect"
import { InvalidMessage, type OutgoingMessage, type ValidatedMessage, validate } from "./OutgoingMessage.ts"
import type { InvalidQueueRef } from "./QueueRef.ts"
import { type Queue, Queues } from "./Queues.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"
import * as TraceContext from "./TraceContext.ts"

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
export type ProducerError = SqsError | InvalidMessage | InvalidQueueRef | SendFailed

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
  /** Messages in flight at once (default 40: four SendMessageBatch requests). */
  readonly concurrency?: number | undefined
}

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
}

/**
 * @category models
 */
export interface BulkOptions<A> {
  /** Turns an item of the stream into a message (a string is a body). */
  readonly toMessage: (item: A) => OutgoingMessage | string
  /** Messages in flight at once (default 40: four SendMessageBatch requests). */
  readonly concurrency?: number | undefined
  /** Called as messages are sent or fail. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  /** How many failures to keep for the summary (default 100); all are counted. */
  readonly maxFailuresKept?: number | undefined
}

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
     * refused messages are counted and reported, not fatal.
     */
    readonly sendAll: <A, E, R>(
      queue: string,
      items: Stream.Stream<A, E, R>,
      options: BulkOptions<A>
    ) => Effect.Effect<BulkSummary<A>, E | SqsError | InvalidQueueRef, R>
    /** Checks a message against SQS's rules and the queue, without sending it. */
    readonly validate: (
      queue: string,
      message: OutgoingMessage | string
    ) => Effect.Effect<void, SqsError | InvalidMessage | InvalidQueueRef>
  }
>()("@bgcheck/queue-core/Producer") {}

/**
 * @category constants
 */
export const MAX_BATCH_ENTRIES = 10

/**
 * @category constants
 */
export const MAX_BATCH_BYTES = 1_048_576

/**
 * How entries that SQS failed on its side are retried: 50 ms, 100 ms, 200 ms, ... (jittered), 6
 * times.
 *
 * @category schedules
 */
export const defaultEntryRetrySchedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(
  "50 millis"
).pipe(Schedule.jittered, Schedule.upTo({ times: 6 }))

/**
 * @category models
 */
export interface Options {
  /** How long a send waits for others to share its request (default 10 ms). */
  readonly flushDelay?: Duration.Input | undefined
  readonly entryRetrySchedule?: Schedule.Schedule<unknown, unknown> | undefined
}

const toMessage = (message: OutgoingMessage | string): OutgoingMessage =>
  typeof message === "string" ? { body: message } : message

/**
 * Groups messages into batches of at most 10 entries and 1 MiB together, keeping input order.
 *
 * @category constructors
 */
export const chunk = <A extends { readonly size: number }>(items: ReadonlyArray<A>): Array<Array<A>> => {
  const batches: Array<Array<A>> = []
  let current: Array<A> = []
  let bytes = 0
  for (const item of items) {
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + item.size > MAX_BATCH_BYTES)) {
      batches.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += item.size
  }
  if (current.length > 0) batches.push(current)
  return batches
}

/** One message to send, already checked against its queue. */
class SendRequest extends Request.Class<
  { readonly queue: Queue; readonly message: ValidatedMessage },
  Sent,
  SendFailed | SqsError
> {}

type Entry = Request.Entry<SendRequest>

class EntriesToRetry extends Data.TaggedError("EntriesToRetry")<{
  readonly code: string
  readonly reason: string
}> {}

/**
 * @category constructors
 */
export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const sqs = yield* SqsClient
    const queues = yield* Queues
    const flushDelay = Duration.fromInputUnsafe(options.flushDelay ?? "10 millis")
    const entryRetrySchedule = options.entryRetrySchedule ?? defaultEntryRetrySchedule

    /** Sends one batch; completes each entry as SQS answers for it, retrying service-side failures. */
    const sendChunk = (queue: Queue, chunkEntries: ReadonlyArray<Entry>): Effect.Effect<void> => {
      let pending = chunkEntries
      const attempt = Effect.suspend(() =>
        sqs.sendMessageBatch({
          QueueUrl: queue.url,
          Entries: pending.map((entry, index) => ({
            ...entry.request.message.entry,
            MessageBody: entry.request.message.entry.MessageBody!,
            Id: String(index)
          }))
        })
      ).pipe(
        Effect.flatMap((output) => {
          for (const ok of output.Successful ?? []) {
            pending[Number(ok.Id)]?.completeUnsafe(
              Exit.succeed({ messageId: ok.MessageId ?? "", sequenceNumber: ok.SequenceNumber })
            )
          }
          const retry: Array<Entry> = []
          let last = { code: "", reason: "" }
          for (const failed of output.Failed ?? []) {
            const entry = pending[Number(failed.Id)]
            if (entry === undefined) continue
            const code = failed.Code ?? "Unknown"
            const reason = failed.Message ?? ""
            if (failed.SenderFault) {
              entry.completeUnsafe(Exit.fail(new SendFailed({ code, reason, senderFault: true })))
            } else {
              retry.push(entry)
              last = { code, reason }
            }
          }
          // An entry SQS did not answer for at all is retried too, rather than left waiting.
          const answered = new Set(
            [...(output.Successful ?? []), ...(output.Failed ?? [])].map((entry) => entry.Id)
          )
          for (const [index, entry] of pending.entries()) {
            if (!answered.has(String(index))) {
              retry.push(entry)
              last = { code: "MissingFromResponse", reason: "SQS did not report on this entry" }
            }
          }
          pending = retry
          return retry.length === 0 ? Effect.void : Effect.fail(new EntriesToRetry(last))
        })
      )
      return attempt.pipe(
        Effect.retry({ schedule: entryRetrySchedule, while: (error) => error._tag === "EntriesToRetry" }),
        Effect.catch((error) =>
          Effect.sync(() => {
            const failure =
              error._tag === "EntriesToRetry"
                ? new SendFailed({ code: error.code, reason: error.reason, senderFault: false })
                : error
            for (const entry of pending) entry.completeUnsafe(Exit.fail(failure))
          })
        )
      )
    }

    const resolver = RequestResolver.makeWith<SendRequest>({
      // One batch per queue.
      batchKey: (entry) => entry.request.queue.url,
      delay: Effect.sleep(flushDelay),
      // Send as soon as the batch is full: 10 entries, or the next might not fit in 1 MiB.
      collectWhile: (entries) => {
        let bytes = 0
        for (const entry of entries) bytes += entry.request.message.size
        return entries.size < MAX_BATCH_ENTRIES && bytes < MAX_BATCH_BYTES
      },
      runAll: (entries) =>
        Effect.forEach(
          chunk(entries.map((entry) => ({ entry, size: entry.request.message.size }))),
          (batch) =>
            sendChunk(
              entries[0]!.request.queue,
              batch.map((item) => item.entry)
            ),
          { concurrency: "unbounded", discard: true }
        )
    })

    const check = (queue: Queue, message: OutgoingMessage | string) => {
      const result = validate(toMessage(message), queue)
      return result instanceof InvalidMessage ? Effect.fail(result) : Effect.succeed(result)
    }

    const sendValidated = (queue: Queue, message: ValidatedMessage) =>
      Effect.request(new SendRequest({ queue, message }), resolver)

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
        const result = validate(yield* TraceContext.inject(toMessage(message)), queue)
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
              onFailure: (error): SendOutcome => ({
                _tag: "Failed",
                index,
                code: error._tag === "SendFailed" ? error.code : error.reason._tag,
                message: error._tag === "SendFailed" ? error.reason : error.message,
                senderFault: error._tag === "SendFailed" ? error.senderFault : !error.isRetryable
              })
            })
          ),
        { concurrency: batchOptions?.concurrency ?? 40 }
      )
    })

    const sendAll = <A, E, R>(queueRef: string, items: Stream.Stream<A, E, R>, bulk: BulkOptions<A>) =>
      Effect.gen(function* () {
        const queue = yield* queues.resolve(queueRef)
        const started = yield* Clock.currentTimeMillis
        const maxFailuresKept = bulk.maxFailuresKept ?? 100
        let sent = 0
        let failed = 0
        const failures: Array<BulkFailure<A>> = []
        const progress = (now: number): Progress => {
          const seconds = Math.max(now - started, 1) / 1000
          return { sent, failed, seconds, rate: sent / seconds }
        }
        yield* items.pipe(
          Stream.mapEffect(
            (item) =>
              sendTo(queue, bulk.toMessage(item)).pipe(
                Effect.exit,
                Effect.map((exit) => [item, exit] as const)
              ),
            { concurrency: bulk.concurrency ?? 40 }
          ),
          Stream.runForEach(([item, exit]) =>
            Effect.gen(function* () {
              if (Exit.isSuccess(exit)) sent++
              else {
                failed++
                const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
                if (failures.length < maxFailuresKept) {
                  failures.push({
                    item,
                    code:
                      error === undefined
                        ? "Defect"
                        : error._tag === "SendFailed"
                          ? error.code
                          : error._tag === "SqsError"
                            ? error.reason._tag
                            : error._tag,
                    message:
                      error === undefined
                        ? "unexpected failure"
                        : error._tag === "SendFailed"
                          ? error.reason
                          : error.message
                  })
                }
              }
              if (bulk.onProgress !== undefined)
                yield* bulk.onProgress(progress(yield* Clock.currentTimeMillis))
            })
          )
        )
        return { ...progress(yield* Clock.currentTimeMillis), failures } satisfies BulkSummary<A>
      })

    const validateOne = (queueRef: string, message: OutgoingMessage | string) =>
      Effect.flatMap(queues.resolve(queueRef), (queue) => Effect.asVoid(check(queue, message)))

    return Producer.of({ send, sendBatch, sendAll, validate: validateOne })
  })

/**
 * @category layers
 */
export const layer: Layer.Layer<Producer, never, SqsClient | Queues> = Layer.effect(Producer, make())

/**
 * A producer with non-default flush delay or entry retries.
 *
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<Producer, never, SqsClient | Queues> =>
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
