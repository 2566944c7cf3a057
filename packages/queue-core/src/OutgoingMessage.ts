/**
 * A message to send, and the checks SQS would make on it, done before anything is sent.
 *
 * @since 0.1.0
 */
import type { MessageAttributeValue, SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs"
import { Duration, Schema } from "effect"
import * as Attributes from "./internal/messageAttributes.ts"
import { RESERVED_ATTRIBUTES } from "./LargePayloads.ts"
import type { Queue } from "./Queues.ts"

/**
 * A message attribute: a string, a number, bytes, or an explicit SQS data type
 * (`String`, `Number`, `Binary`, optionally with a custom label such as `Number.int`).
 *
 * @category models
 */
export type AttributeValue =
  | string
  | number
  | Uint8Array
  | { readonly dataType: string; readonly value: string | Uint8Array }

/**
 * @category models
 */
export interface OutgoingMessage {
  readonly body: string
  /** At most 10. */
  readonly attributes?: Readonly<Record<string, AttributeValue>> | undefined
  /** Required on FIFO queues; on standard queues it marks a tenant of a fair queue. */
  readonly groupId?: string | undefined
  /** FIFO only; required unless the queue has content-based deduplication. */
  readonly deduplicationId?: string | undefined
  /** Standard queues only; at most 15 minutes. */
  readonly delay?: Duration.Input | undefined
}

/**
 * A message SQS would reject, caught before sending.
 *
 * @category errors
 */
export class InvalidMessage extends Schema.TaggedError<InvalidMessage>()("InvalidMessage", {
  /** What is wrong with the message. */
  reason: Schema.String,
  /** Its position in a batch, when it came in one. */
  index: Schema.optional(Schema.Number)
}) {
  override get message(): string {
    return this.index === undefined ? this.reason : `message ${this.index + 1}: ${this.reason}`
  }
}

/**
 * @category constants
 */
export const MAX_ATTRIBUTES: number = Attributes.MAX_ATTRIBUTES

/**
 * @category constants
 */
export const MAX_DELAY = Duration.minutes(15)

const MAX_GROUP_ID_LENGTH = 128
/** Group and deduplication ids: alphanumerics and ASCII punctuation. */
const ID_PATTERN = /^[\x21-\x7e]{1,128}$/

/**
 * The UTF-8 size of a string, without encoding it.
 *
 * @category validation
 */
export const utf8Length: (text: string) => number = Attributes.utf8Length

/**
 * The first character SQS rejects (it accepts #x9, #xA, #xD, #x20 to #xD7FF, #xE000 to #xFFFD and
 * #x10000 to #x10FFFF), as its index in the string and code point; undefined when all are valid.
 *
 * @category validation
 */
export const findInvalidCharacter: (text: string) => { index: number; codePoint: number } | undefined =
  Attributes.findInvalidCharacter

/**
 * The bytes of a Binary attribute value written in strict base64 (standard alphabet, padded, no
 * stray bits, not empty), or undefined. Node's `Buffer.from(text, "base64")` skips what it does
 * not understand instead.
 *
 * @category validation
 */
export const decodeBase64: (text: string) => Uint8Array | undefined = Attributes.decodeBase64

const toAttribute = (value: AttributeValue): MessageAttributeValue => {
  if (typeof value === "string") return { DataType: "String", StringValue: value }
  if (typeof value === "number") return { DataType: "Number", StringValue: String(value) }
  if (value instanceof Uint8Array) return { DataType: "Binary", BinaryValue: value }
  return typeof value.value === "string"
    ? { DataType: value.dataType, StringValue: value.value }
    : { DataType: value.dataType, BinaryValue: value.value }
}

/** An attribute's size as SQS counts it: name, data type and value bytes. */
export const attributeSize = (name: string, value: MessageAttributeValue): number =>
  utf8Length(name) +
  utf8Length(value.DataType ?? "") +
  (value.BinaryValue?.length ?? utf8Length(value.StringValue ?? ""))

/**
 * A message checked against the queue and turned into a batch entry (without its `Id`), with
 * its size as SQS counts it (body plus attribute names, types and values).
 *
 * @category models
 */
export interface ValidatedMessage {
  readonly entry: Omit<SendMessageBatchRequestEntry, "Id">
  readonly size: number
}

/**
 * Checks a message against SQS's rules and the queue's settings.
 *
 * @category validation
 */
export const validate = (
  message: OutgoingMessage,
  queue: Queue,
  /** The largest message accepted; the queue's maximum unless large bodies go to S3. */
  maximumSize: number = queue.maximumMessageSize
): ValidatedMessage | InvalidMessage => {
  const fail = (reason: string) => new InvalidMessage({ reason })
  if (typeof message.body !== "string" || message.body.length === 0) return fail("the body is empty")
  const invalidChar = findInvalidCharacter(message.body)
  if (invalidChar !== undefined) {
    return fail(
      `the body has a character SQS rejects (${Attributes.hex(invalidChar.codePoint)} at index ${invalidChar.index}); ` +
        "allowed are tab, newline, carriage return and Unicode from U+0020 except surrogates, U+FFFE and U+FFFF"
    )
  }

  const names = Object.keys(message.attributes ?? {})
  if (names.length > MAX_ATTRIBUTES) {
    return fail(`the message has ${names.length} attributes, SQS allows at most ${MAX_ATTRIBUTES}`)
  }
  const attributes: Record<string, MessageAttributeValue> = {}
  let size = utf8Length(message.body)
  for (const name of names) {
    const nameProblem = Attributes.checkName(name)
    if (nameProblem !== undefined) return fail(nameProblem)
    if (RESERVED_ATTRIBUTES.includes(name)) {
      return fail(`attribute name "${name}" is reserved: it marks a message whose body is stored in S3`)
    }
    const attribute = toAttribute(message.attributes![name]!)
    const problem = Attributes.checkValue(name, attribute)
    if (problem !== undefined) return fail(problem)
    attributes[name] = attribute
    size += attributeSize(name, attribute)
  }
  if (size > maximumSize) {
    return fail(
      maximumSize === queue.maximumMessageSize
        ? `the message is ${size} bytes, over the maximum of ${maximumSize} bytes for queue ${queue.name}` +
            "; a payload bucket stores larger ones in S3"
        : `the message is ${size} bytes, over the maximum of ${maximumSize} bytes for a body stored in S3`
    )
  }

  if (queue.fifo && message.groupId === undefined) {
    return fail(`queue ${queue.name} is FIFO: every message needs a group id`)
  }
  if (message.groupId !== undefined && !ID_PATTERN.test(message.groupId)) {
    return fail(
      `the group id must be 1 to ${MAX_GROUP_ID_LENGTH} characters of letters, digits and punctuation`
    )
  }
  if (message.deduplicationId !== undefined) {
    if (!queue.fifo)
      return fail(`a deduplication id is only valid on FIFO queues, and ${queue.name} is standard`)
    if (!ID_PATTERN.test(message.deduplicationId)) {
      return fail("the deduplication id must be 1 to 128 characters of letters, digits and punctuation")
    }
  } else if (queue.fifo && !queue.contentBasedDeduplication) {
    return fail(
      `queue ${queue.name} has no content-based deduplication: every message needs a deduplication id`
    )
  }

  let delaySeconds: number | undefined
  if (message.delay !== undefined) {
    const delay = Duration.fromInputUnsafe(message.delay)
    if (queue.fifo) return fail(`queue ${queue.name} is FIFO: per-message delays are not supported`)
    if (Duration.isGreaterThan(delay, MAX_DELAY)) return fail("the delay is over the maximum of 15 minutes")
    delaySeconds = Math.round(Duration.toSeconds(delay))
  }

  return {
    size,
    entry: {
      MessageBody: message.body,
      ...(names.length > 0 ? { MessageAttributes: attributes } : {}),
      ...(message.groupId === undefined ? {} : { MessageGroupId: message.groupId }),
      ...(message.deduplicationId === undefined ? {} : { MessageDeduplicationId: message.deduplicationId }),
      ...(delaySeconds === undefined ? {} : { DelaySeconds: delaySeconds })
    }
  }
}
