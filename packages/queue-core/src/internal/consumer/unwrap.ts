/**
 * What a handler sees of a message that came wrapped: the published message inside an SNS
 * envelope (with `sns: "unwrap"`), and the body stored in S3 for a pointer message (always, when
 * a `PayloadStore` is there), the envelope first, since AWS's SNS extended client publishes
 * pointers. A message that can never be unwrapped (not an envelope, a malformed pointer, a
 * pointer the store will not follow, an object that is gone) is poison; an S3 read that failed
 * for now is retried later.
 */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs"
import { Effect, Option, Result } from "effect"
import * as LargePayloads from "../../LargePayloads.ts"
import type { PayloadStore } from "../../PayloadStore.ts"
import * as SnsEnvelope from "../../SnsEnvelope.ts"
import { DeadLetter, type ReceivedMessage, RetryLater } from "./model.ts"

/** The message for the handler, and the S3 object its body came from, if it did. */
export interface Unwrapped {
  readonly message: ReceivedMessage
  readonly stored: LargePayloads.S3Pointer | undefined
}

export interface Unwrap {
  /** False for a plain message: nothing to do, and no effect to run. */
  readonly needed: (message: ReceivedMessage) => boolean
  readonly unwrap: (message: ReceivedMessage) => Effect.Effect<Unwrapped, DeadLetter | RetryLater>
  /** Once SQS has confirmed the delete: the object goes too (unless kept), a failure only logged. */
  readonly deleted: (stored: LargePayloads.S3Pointer) => Effect.Effect<void>
}

const withoutReserved = (attributes: Readonly<Record<string, MessageAttributeValue>>) =>
  Object.fromEntries(
    Object.entries(attributes).filter(([name]) => !LargePayloads.RESERVED_ATTRIBUTES.includes(name))
  )

export const make = (options: {
  readonly unwrapSns: boolean
  readonly keepPayloads: boolean
  readonly store: Option.Option<PayloadStore["Service"]>
}): Unwrap => {
  const fetchStored = (message: ReceivedMessage): Effect.Effect<Unwrapped, DeadLetter | RetryLater> => {
    if (!LargePayloads.isMarked(message.messageAttributes))
      return Effect.succeed({ message, stored: undefined })
    const pointer = LargePayloads.decodePointer(message.body)
    if (pointer === undefined)
      return Effect.fail(
        new DeadLetter({
          reason: `it has the ${LargePayloads.SIZE_ATTRIBUTE} attribute, but its body is not an S3 pointer`
        })
      )
    if (Option.isNone(options.store))
      return Effect.fail(
        new DeadLetter({
          reason: `its body is stored at ${LargePayloads.formatPointer(pointer)} and the consumer has no PayloadStore`
        })
      )
    return options.store.value.get(pointer, LargePayloads.declaredSize(message.messageAttributes)).pipe(
      Effect.mapError((error) =>
        error._tag === "PayloadMissing"
          ? new DeadLetter({ reason: `its body is gone: ${error.message}` })
          : error._tag === "PayloadRefused"
            ? new DeadLetter({ reason: error.message })
            : new RetryLater({ reason: error.message })
      ),
      Effect.map((body) => ({
        message: {
          ...message,
          body,
          messageAttributes: withoutReserved(message.messageAttributes),
          payload: pointer
        },
        stored: pointer
      }))
    )
  }

  return {
    deleted: (stored) =>
      Option.isNone(options.store) || options.keepPayloads
        ? Effect.void
        : options.store.value
            .remove(stored)
            .pipe(
              Effect.catch((error) =>
                Effect.logWarning(
                  `could not delete ${LargePayloads.formatPointer(stored)} after its message: ${error.message}`
                )
              )
            ),
    needed: (message) => options.unwrapSns || LargePayloads.isMarked(message.messageAttributes),
    unwrap: (message) => {
      if (!options.unwrapSns) return fetchStored(message)
      const unwrapped = SnsEnvelope.unwrap(message.body)
      if (Result.isFailure(unwrapped)) return Effect.fail(new DeadLetter({ reason: unwrapped.failure }))
      const { body, messageAttributes, notification } = unwrapped.success
      return fetchStored({ ...message, body, messageAttributes, sns: notification })
    }
  }
}
