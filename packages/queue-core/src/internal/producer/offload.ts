/**
 * Storing a large body in S3 before its message is sent (the extended-client pattern, see
 * `LargePayloads`): the body goes to the payload bucket under a fresh UUID key, and the message
 * is sent as a pointer with the `ExtendedPayloadSize` attribute. The pointer is small, so such
 * messages still share SendMessageBatch requests with the others.
 *
 * An object whose message SQS surely did not store (refused, or never reached) is deleted again;
 * one whose send may have reached SQS is kept, since a stored message may point at it.
 */
import { createHash, randomUUID } from "node:crypto"
import type { MessageAttributeValue } from "@aws-sdk/client-sqs"
import { Effect } from "effect"
import * as LargePayloads from "../../LargePayloads.ts"
import {
  attributeSize,
  InvalidMessage,
  MAX_ATTRIBUTES,
  utf8Length,
  type ValidatedMessage
} from "../../OutgoingMessage.ts"
import type { PayloadStore, PayloadStoreError } from "../../PayloadStore.ts"
import type { Queue } from "../../Queues.ts"
import type { SqsError } from "../../SqsError.ts"
import type { SendFailed } from "./model.ts"

/** A message ready for its batch, and the object its body was stored in, if it was. */
export interface Prepared {
  readonly message: ValidatedMessage
  readonly stored: LargePayloads.S3Pointer | undefined
}

export interface Offload {
  /** The largest message accepted before storing (`maxBytes`: what a consumer reads by default). */
  readonly maximumSize: number
  /** True when the message's body is to be stored in S3. */
  readonly goesToS3: (queue: Queue, message: ValidatedMessage) => boolean
  /** Why the message cannot be sent through S3, checked before anything is stored or sent. */
  readonly check: (queue: Queue, message: ValidatedMessage) => InvalidMessage | undefined
  /** Stores the body if it goes to S3; for a message `check` has passed. */
  readonly prepare: (queue: Queue, message: ValidatedMessage) => Effect.Effect<Prepared, PayloadStoreError>
  /** After a failed send: deletes the object when SQS surely did not store its message. */
  readonly cleanUp: (stored: LargePayloads.S3Pointer, error: SendFailed | SqsError) => Effect.Effect<void>
}

/** The pointer message for a body stored at `stored`, and its size as SQS counts it. */
const pointerMessage = (queue: Queue, message: ValidatedMessage, stored: LargePayloads.S3Pointer) => {
  const attributes: Record<string, MessageAttributeValue> = message.entry.MessageAttributes ?? {}
  const body = message.entry.MessageBody ?? ""
  const pointerBody = LargePayloads.encodePointer(stored)
  const sizeAttribute: MessageAttributeValue = { DataType: "Number", StringValue: String(utf8Length(body)) }
  const size = Object.keys(attributes).reduce(
    (total, name) => total + attributeSize(name, attributes[name]!),
    utf8Length(pointerBody) + attributeSize(LargePayloads.SIZE_ATTRIBUTE, sizeAttribute)
  )
  // The pointer's key is new each time: content-based deduplication would never match, so the
  // id SQS would have derived from the body (its SHA-256) is given explicitly.
  const deduplication =
    queue.fifo && queue.contentBasedDeduplication && message.entry.MessageDeduplicationId === undefined
      ? { MessageDeduplicationId: createHash("sha256").update(body).digest("hex") }
      : {}
  return {
    size,
    entry: {
      ...message.entry,
      ...deduplication,
      MessageBody: pointerBody,
      MessageAttributes: { ...attributes, [LargePayloads.SIZE_ATTRIBUTE]: sizeAttribute }
    }
  } satisfies ValidatedMessage
}

/** A placeholder pointer of the size real ones have (a UUID key), for checks before storing. */
const sizingPointer = (options: LargePayloads.Options): LargePayloads.S3Pointer => ({
  bucket: options.bucket,
  key: `${options.keyPrefix ?? ""}00000000-0000-4000-8000-000000000000`
})

export const make = (options: LargePayloads.Options, store: PayloadStore["Service"]): Offload => {
  const goesToS3 = (queue: Queue, message: ValidatedMessage) =>
    options.alwaysThroughS3 === true || message.size > (options.threshold ?? queue.maximumMessageSize)

  const check = (queue: Queue, message: ValidatedMessage): InvalidMessage | undefined => {
    if (!goesToS3(queue, message)) {
      return message.size > queue.maximumMessageSize
        ? new InvalidMessage({
            reason: `the message is ${message.size} bytes, over the maximum of ${queue.maximumMessageSize} bytes for queue ${queue.name}, and under the payload threshold`
          })
        : undefined
    }
    const names = Object.keys(message.entry.MessageAttributes ?? {})
    if (names.length >= MAX_ATTRIBUTES)
      return new InvalidMessage({
        reason:
          `a message stored in S3 carries the attribute ${LargePayloads.SIZE_ATTRIBUTE}, ` +
          `so it may have at most ${MAX_ATTRIBUTES - 1} of its own; this one has ${names.length}`
      })
    const { size } = pointerMessage(queue, message, sizingPointer(options))
    return size > queue.maximumMessageSize
      ? new InvalidMessage({
          reason: `stored in S3, the message's pointer and attributes are still ${size} bytes, over the maximum of ${queue.maximumMessageSize} bytes for queue ${queue.name}`
        })
      : undefined
  }

  return {
    maximumSize: options.maxBytes ?? LargePayloads.DEFAULT_MAX_PAYLOAD_BYTES,
    goesToS3,
    check,
    prepare: (queue, message) =>
      Effect.suspend((): Effect.Effect<Prepared, PayloadStoreError> => {
        if (!goesToS3(queue, message)) return Effect.succeed({ message, stored: undefined })
        const stored = { bucket: options.bucket, key: `${options.keyPrefix ?? ""}${randomUUID()}` }
        return Effect.as(store.put(stored, message.entry.MessageBody ?? ""), {
          stored,
          message: pointerMessage(queue, message, stored)
        })
      }),
    cleanUp: (stored, error) =>
      error._tag === "SendFailed" || !error.mayHaveReachedSqs
        ? store
            .remove(stored)
            .pipe(
              Effect.catch((failure) =>
                Effect.logWarning(
                  `could not delete ${LargePayloads.formatPointer(stored)} after its message was not sent: ${failure.message}`
                )
              )
            )
        : Effect.logWarning(
            `kept ${LargePayloads.formatPointer(stored)}: its message may have reached SQS (${error.message})`
          )
  }
}
