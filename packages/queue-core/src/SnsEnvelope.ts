/**
 * SNS notifications as a queue subscribed to a topic receives them without raw message delivery:
 * a JSON envelope (`Type`, `MessageId`, `TopicArn`, `Subject`, `Message`, `Timestamp`, signature
 * fields, `MessageAttributes` as `{ Type, Value }`) around the published message. The consumer's
 * `sns: "unwrap"` hands the handler the inner message and its attributes instead.
 *
 * The body is anyone's text, so the envelope's attributes are held to SQS's own rules before the
 * handler sees them (at most 10; names, data types, Number values SQS stores, Binary values in
 * strict padded base64, String values of characters SQS accepts): an envelope that breaks one is
 * refused, and the consumer moves its message to the dead-letter queue with the reason.
 *
 * @since 0.4.0
 */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs"
import { Result, Schema } from "effect"
import { fromText, MAX_ATTRIBUTES } from "./internal/messageAttributes.ts"
import { quote } from "./internal/text.ts"

/**
 * What the envelope said about the notification; the message itself becomes the body.
 *
 * @category models
 */
export interface Notification {
  readonly messageId: string
  readonly topicArn: string
  readonly subject: string | undefined
  /** When SNS published it (ISO 8601). */
  readonly timestamp: string
  /** FIFO topics only. */
  readonly sequenceNumber: string | undefined
}

/**
 * The inner message: its body, its attributes in SQS's shape, and the notification's details.
 *
 * @category models
 */
export interface Unwrapped {
  readonly body: string
  readonly messageAttributes: Record<string, MessageAttributeValue>
  readonly notification: Notification
}

/** An attribute as the envelope writes it: its data type and its value as text (base64 for bytes). */
const Attribute = Schema.Struct({ Type: Schema.String, Value: Schema.String })
const isAttribute = Schema.is(Attribute)

/**
 * The fields SNS always sends; the signature fields are not needed to unwrap and not required.
 * The attributes are checked one by one after their count (see `toSqsAttributes`).
 */
const Envelope = Schema.Struct({
  Type: Schema.Literal("Notification"),
  MessageId: Schema.NonEmptyString,
  TopicArn: Schema.NonEmptyString,
  Subject: Schema.optional(Schema.NullOr(Schema.String)),
  Message: Schema.String,
  Timestamp: Schema.NonEmptyString,
  SequenceNumber: Schema.optional(Schema.String),
  MessageAttributes: Schema.optional(Schema.Unknown)
})

const decodeEnvelope = Schema.decodeUnknownResult(Schema.fromJsonString(Envelope))

/**
 * The envelope's attributes in SQS's shape, held to SQS's rules: at most 10 (counted before any is
 * read), valid names and data types, a Number value a number SQS stores, a Binary value strict
 * padded base64, a String value only characters SQS accepts. Anything else did not come from SNS
 * and is refused with the first problem, naming the attribute.
 */
const toSqsAttributes = (
  attributes: unknown
): Result.Result<Record<string, MessageAttributeValue>, string> => {
  if (attributes === undefined) return Result.succeed({})
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    return Result.fail("the body is not an SNS notification: its MessageAttributes is not an object")
  }
  let count = 0
  for (const name in attributes) {
    if (Object.hasOwn(attributes, name) && ++count > MAX_ATTRIBUTES) {
      return Result.fail(
        `the SNS notification has more than ${MAX_ATTRIBUTES} message attributes, SQS allows at most ${MAX_ATTRIBUTES}`
      )
    }
  }
  const entries: Array<[string, MessageAttributeValue]> = []
  for (const [name, attribute] of Object.entries(attributes)) {
    if (!isAttribute(attribute)) {
      return Result.fail(
        `the SNS notification's attribute ${quote(name)} is not an object of a Type and a Value, both strings`
      )
    }
    const checked = fromText(name, attribute.Type, attribute.Value)
    if (typeof checked === "string") return Result.fail(`the SNS notification's ${checked}`)
    entries.push([name, checked])
  }
  // fromEntries defines each name as its own property, "__proto__" included.
  return Result.succeed(Object.fromEntries(entries))
}

/**
 * The message inside an SNS envelope, or why the body is not one or carries attributes SQS would
 * refuse (a one-line reason naming the attribute, its value cut short).
 *
 * @category decoding
 */
export const unwrap = (body: string): Result.Result<Unwrapped, string> => {
  const decoded = decodeEnvelope(body)
  if (Result.isFailure(decoded)) {
    return Result.fail(`the body is not an SNS notification: ${decoded.failure.message.replace(/\s+/g, " ")}`)
  }
  const envelope = decoded.success
  return Result.map(toSqsAttributes(envelope.MessageAttributes), (messageAttributes) => ({
    body: envelope.Message,
    messageAttributes,
    notification: {
      messageId: envelope.MessageId,
      topicArn: envelope.TopicArn,
      subject: envelope.Subject ?? undefined,
      timestamp: envelope.Timestamp,
      sequenceNumber: envelope.SequenceNumber
    }
  }))
}
