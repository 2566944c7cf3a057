/**
 * Storing a large body in S3 before its message is sent (the extended-client pattern, see
 * `LargePayloads`): the body goes to the payload bucket under a fresh UUID key, and the message
 * is sent as a pointer with the `ExtendedPayloadSize` attribute. The pointer is small, so such
 * messages still share SendMessageBatch requests with the others.
 *
 * An object whose message SQS surely did not store (refused, or never reached) is deleted again;
 * one whose send may have reached SQS is kept, since a stored message may point at it.
 */
import { randomUUID } from "node:crypto"
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
  /** The largest message accepted before storing: S3's limit for one object. */
  readonly maximumSize: number
  readonly prepare: (
    queue: Queue,
    message: ValidatedMessage
  ) => Effect.Effect<Prepared, InvalidMessage | PayloadStoreError>
  /** After a failed send: deletes the object when SQS surely did not store its message. */
  readonly cleanUp: (stored: LargePayloads.S3Pointer, error: SendFailed | SqsError) => Effect.Effect<void>
}

export const make = (options: LargePayloads.Options, store: PayloadStore["Service"]): Offload => ({
  maximumSize: LargePayloads.MAX_PAYLOAD_BYTES,
  prepare: (queue, message) =>
    Effect.suspend((): Effect.Effect<Prepared, InvalidMessage | PayloadStoreError> => {
      const threshold = options.threshold ?? queue.maximumMessageSize
      if (options.alwaysThroughS3 !== true && message.size <= threshold)
        return Effect.succeed({ message, stored: undefined })
      const attributes: Record<string, MessageAttributeValue> = message.entry.MessageAttributes ?? {}
      const names = Object.keys(attributes)
      if (names.length >= MAX_ATTRIBUTES)
        return Effect.fail(
          new InvalidMessage({
            reason:
              `a message stored in S3 carries the attribute ${LargePayloads.SIZE_ATTRIBUTE}, ` +
              `so it may have at most ${MAX_ATTRIBUTES - 1} of its own; this one has ${names.length}`
          })
        )
      const body = message.entry.MessageBody ?? ""
      const stored = { bucket: options.bucket, key: `${options.keyPrefix ?? ""}${randomUUID()}` }
      const pointerBody = LargePayloads.encodePointer(stored)
      const sizeAttribute: MessageAttributeValue = {
        DataType: "Number",
        StringValue: String(utf8Length(body))
      }
      const size = names.reduce(
        (total, name) => total + attributeSize(name, attributes[name]!),
        utf8Length(pointerBody) + attributeSize(LargePayloads.SIZE_ATTRIBUTE, sizeAttribute)
      )
      if (size > queue.maximumMessageSize)
        return Effect.fail(
          new InvalidMessage({
            reason: `stored in S3, the message's pointer and attributes are still ${size} bytes, over the maximum of ${queue.maximumMessageSize} bytes for queue ${queue.name}`
          })
        )
      return Effect.as(store.put(stored, body), {
        stored,
        message: {
          size,
          entry: {
            ...message.entry,
            MessageBody: pointerBody,
            MessageAttributes: { ...attributes, [LargePayloads.SIZE_ATTRIBUTE]: sizeAttribute }
          }
        }
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
})
