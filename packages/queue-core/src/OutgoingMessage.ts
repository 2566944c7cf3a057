/**
 * A message to send, and the checks SQS would make on it, done before anything is sent.
 *
 * @since 0.1.0
 */
import type { MessageAttributeValue, SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs"
import { Duration, Schema } from "effect"
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
export const MAX_ATTRIBUTES = 10

/**
 * @category constants
 */
export const MAX_DELAY = Duration.minutes(15)

const MAX_GROUP_ID_LENGTH = 128
/** Group and deduplication ids: alphanumerics and ASCII punctuation. */
const ID_PATTERN = /^[\x21-\x7e]{1,128}$/
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/
const RESERVED_PREFIX = /^(aws\.|amazon\.)/i
const DATA_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]{1,250})?$/

/** The UTF-8 size of a string, without encoding it. */
export const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/**
 * The first character SQS rejects (it accepts #x9, #xA, #xD, #x20 to #xD7FF, #xE000 to #xFFFD and
 * #x10000 to #x10FFFF), as its index in the string and code point; undefined when all are valid.
 *
 * @category validation
 */
/** Any character outside what SQS accepts; a lone surrogate does not match the ranges either. */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

export const findInvalidCharacter = (text: string): { index: number; codePoint: number } | undefined => {
  // The regular expression answers the common case fast; the loop finds the position.
  if (!INVALID_CHARACTER.test(text)) return undefined
  let index = 0
  for (const char of text) {
    const codePoint = char.codePointAt(0)!
    const valid =
      codePoint === 0x9 ||
      codePoint === 0xa ||
      codePoint === 0xd ||
      (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
      (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
      (codePoint >= 0x10000 && codePoint <= 0x10ffff)
    if (!valid) return { index, codePoint }
    index += char.length
  }
  return undefined
}

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`

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
      `the body has a character SQS rejects (${hex(invalidChar.codePoint)} at index ${invalidChar.index}); ` +
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
    if (!ATTRIBUTE_NAME.test(name) || RESERVED_PREFIX.test(name)) {
      return fail(
        `attribute name "${name}" is invalid: up to 256 letters, digits, _ - and ., ` +
          "no leading, trailing or double period, not starting with AWS. or Amazon."
      )
    }
    if (RESERVED_ATTRIBUTES.includes(name)) {
      return fail(`attribute name "${name}" is reserved: it marks a message whose body is stored in S3`)
    }
    const attribute = toAttribute(message.attributes![name]!)
    if (!DATA_TYPE.test(attribute.DataType ?? "")) {
      return fail(`attribute "${name}" has data type "${attribute.DataType}"; use String, Number or Binary`)
    }
    if (attribute.DataType!.startsWith("Number") && !Number.isFinite(Number(attribute.StringValue))) {
      return fail(
        `attribute "${name}" is of type Number but its value "${attribute.StringValue}" is not a number`
      )
    }
    if (attribute.StringValue !== undefined) {
      const bad = findInvalidCharacter(attribute.StringValue)
      if (bad !== undefined || attribute.StringValue.length === 0) {
        return fail(`attribute "${name}" has an empty value or a character SQS rejects`)
      }
    }
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
