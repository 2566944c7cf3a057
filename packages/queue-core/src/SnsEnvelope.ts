/**
 * SNS notifications as a queue subscribed to a topic receives them without raw message delivery:
 * a JSON envelope (`Type`, `MessageId`, `TopicArn`, `Subject`, `Message`, `Timestamp`, signature
 * fields, `MessageAttributes` as `{ Type, Value }`) around the published message. The consumer's
 * `sns: "unwrap"` hands the handler the inner message and its attributes instead.
 *
 * @since 0.4.0
 */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs"
import { Result, Schema } from "effect"

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

const Attribute = Schema.Struct({ Type: Schema.NonEmptyString, Value: Schema.String })

/** The fields SNS always sends; the signature fields are not needed to unwrap and not required. */
const Envelope = Schema.Struct({
  Type: Schema.Literal("Notification"),
  MessageId: Schema.NonEmptyString,
  TopicArn: Schema.NonEmptyString,
  Subject: Schema.optional(Schema.NullOr(Schema.String)),
  Message: Schema.String,
  Timestamp: Schema.NonEmptyString,
  SequenceNumber: Schema.optional(Schema.String),
  MessageAttributes: Schema.optional(Schema.Record(Schema.String, Attribute))
})

const decodeEnvelope = Schema.decodeUnknownResult(Schema.fromJsonString(Envelope))

/** SNS sends binary attribute values base64-encoded; the others as text. */
const toSqsAttribute = (attribute: {
  readonly Type: string
  readonly Value: string
}): MessageAttributeValue =>
  attribute.Type.startsWith("Binary")
    ? { DataType: attribute.Type, BinaryValue: Uint8Array.from(Buffer.from(attribute.Value, "base64")) }
    : { DataType: attribute.Type, StringValue: attribute.Value }

/**
 * The message inside an SNS envelope, or why the body is not one (a one-line reason).
 *
 * @category decoding
 */
export const unwrap = (body: string): Result.Result<Unwrapped, string> =>
  Result.mapBoth(decodeEnvelope(body), {
    onFailure: (error) => `the body is not an SNS notification: ${error.message.replace(/\s+/g, " ")}`,
    onSuccess: (envelope) => ({
      body: envelope.Message,
      messageAttributes: Object.fromEntries(
        Object.entries(envelope.MessageAttributes ?? {}).map(([name, value]) => [name, toSqsAttribute(value)])
      ),
      notification: {
        messageId: envelope.MessageId,
        topicArn: envelope.TopicArn,
        subject: envelope.Subject ?? undefined,
        timestamp: envelope.Timestamp,
        sequenceNumber: envelope.SequenceNumber
      }
    })
  })
