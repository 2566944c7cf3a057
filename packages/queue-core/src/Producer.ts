/**
 * Sending messages: one at a time, or many in SendMessageBatch requests.
 *
 * Every message is checked against SQS's rules and the queue's settings first; when one is
 * invalid the call fails with `InvalidMessage` and nothing is sent.
 *
 * @since 0.1.0
 */
import type { SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs"
import { Context, Effect, Layer } from "effect"
import { InvalidMessage, type OutgoingMessage, type ValidatedMessage, validate } from "./OutgoingMessage.ts"
import type { InvalidQueueRef } from "./QueueRef.ts"
import { type Queue, Queues } from "./Queues.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"

/**
 * @category models
 */
export interface Sent {
  readonly messageId: string
  /** FIFO queues only. */
  readonly sequenceNumber?: string | undefined
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
 * @category errors
 */
export type ProducerError = SqsError | InvalidMessage | InvalidQueueRef

/**
 * @category models
 */
export interface BatchOptions {
  /** SendMessageBatch requests in flight at once (default 4). */
  readonly concurrency?: number | undefined
}

/**
 * @category services
 */
export class Producer extends Context.Service<
  Producer,
  {
    /** Sends one message (a string is a body) and returns its id. */
    readonly send: (queue: string, message: OutgoingMessage | string) => Effect.Effect<Sent, ProducerError>
    /**
     * Sends messages in batches of up to 10 entries and 1 MiB; the outcome of each message is
     * returned in input order. Fails without sending anything when a message is invalid.
     */
    readonly sendBatch: (
      queue: string,
      messages: ReadonlyArray<OutgoingMessage | string>,
      options?: BatchOptions
    ) => Effect.Effect<ReadonlyArray<SendOutcome>, ProducerError>
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

const validateAll = (
  messages: ReadonlyArray<OutgoingMessage | string>,
  queue: Queue
): Effect.Effect<Array<ValidatedMessage & { readonly index: number }>, InvalidMessage> => {
  const validated: Array<ValidatedMessage & { readonly index: number }> = []
  for (const [index, message] of messages.entries()) {
    const result = validate(toMessage(message), queue)
    if (result instanceof InvalidMessage) {
      return Effect.fail(
        messages.length === 1 ? result : new InvalidMessage({ reason: result.reason, index })
      )
    }
    validated.push({ ...result, index })
  }
  return Effect.succeed(validated)
}

/**
 * @category constructors
 */
export const make = Effect.gen(function* () {
  const sqs = yield* SqsClient
  const queues = yield* Queues

  const send = Effect.fnUntraced(function* (queueRef: string, message: OutgoingMessage | string) {
    const queue = yield* queues.resolve(queueRef)
    const [validated] = yield* validateAll([message], queue)
    const output = yield* sqs.sendMessage({ QueueUrl: queue.url, ...validated!.entry } as any)
    return { messageId: output.MessageId ?? "", sequenceNumber: output.SequenceNumber } satisfies Sent
  })

  const sendOne = (queue: Queue, batch: ReadonlyArray<ValidatedMessage & { readonly index: number }>) => {
    const entries: Array<SendMessageBatchRequestEntry> = batch.map((item, position) => ({
      ...item.entry,
      MessageBody: item.entry.MessageBody!,
      Id: String(position)
    }))
    return sqs.sendMessageBatch({ QueueUrl: queue.url, Entries: entries }).pipe(
      Effect.map(
        (output): Array<SendOutcome> => [
          ...(output.Successful ?? []).map(
            (ok): SendOutcome => ({
              _tag: "Sent",
              index: batch[Number(ok.Id)]!.index,
              messageId: ok.MessageId ?? "",
              sequenceNumber: ok.SequenceNumber
            })
          ),
          ...(output.Failed ?? []).map(
            (failed): SendOutcome => ({
              _tag: "Failed",
              index: batch[Number(failed.Id)]!.index,
              code: failed.Code ?? "Unknown",
              message: failed.Message ?? "",
              senderFault: failed.SenderFault ?? false
            })
          )
        ]
      )
    )
  }

  const sendBatch = Effect.fnUntraced(function* (
    queueRef: string,
    messages: ReadonlyArray<OutgoingMessage | string>,
    options?: BatchOptions
  ) {
    const queue = yield* queues.resolve(queueRef)
    const validated = yield* validateAll(messages, queue)
    const outcomes = yield* Effect.forEach(chunk(validated), (batch) => sendOne(queue, batch), {
      concurrency: options?.concurrency ?? 4
    })
    return outcomes.flat().sort((a, b) => a.index - b.index)
  })

  return Producer.of({ send, sendBatch })
})

/**
 * @category layers
 */
export const layer: Layer.Layer<Producer, never, SqsClient | Queues> = Layer.effect(Producer, make)
