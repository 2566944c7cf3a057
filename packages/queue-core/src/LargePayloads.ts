/**
 * Messages larger than SQS allows, the way AWS's extended clients store them: the body goes to
 * S3 and the message carries a pointer to it, so that Java's amazon-sqs-java-extended-client-lib,
 * Python's amazon-sqs-extended-client and AWS's SNS extended client read what this package sends,
 * and this package reads theirs.
 *
 * - The pointer is the body `["software.amazon.payloadoffloading.PayloadS3Pointer",
 *   {"s3BucketName":"BUCKET","s3Key":"KEY"}]`, exactly as Java writes it (Python adds spaces;
 *   both read either).
 * - The message attribute `ExtendedPayloadSize` (Number: the body's size in UTF-8 bytes) marks a
 *   pointer; readers also accept the legacy name `SQSLargePayloadSize`, which Java writes by
 *   default, and the version 1 class name `com.amazon.sqs.javamessaging.MessageS3Pointer`.
 * - A message is stored in S3 when its body and attributes together are larger than the
 *   threshold (compared with `>`, attributes counted as name, data type and value bytes).
 *
 * @since 0.4.0
 */
import { Option, Schema } from "effect"
import { shorten } from "./internal/text.ts"

/**
 * The attribute that marks a pointer, with the body's size in bytes.
 *
 * @category constants
 */
export const SIZE_ATTRIBUTE = "ExtendedPayloadSize"

/**
 * The name Java's extended client writes unless told otherwise; read, never written.
 *
 * @category constants
 */
export const LEGACY_SIZE_ATTRIBUTE = "SQSLargePayloadSize"

/**
 * @category constants
 */
export const RESERVED_ATTRIBUTES: ReadonlyArray<string> = [SIZE_ATTRIBUTE, LEGACY_SIZE_ATTRIBUTE]

/**
 * The class name in the pointer's body (payload-offloading-java-common-lib).
 *
 * @category constants
 */
export const POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer"

/**
 * The version 1 Java client's class name; read, never written.
 *
 * @category constants
 */
export const LEGACY_POINTER_CLASS = "com.amazon.sqs.javamessaging.MessageS3Pointer"

/**
 * The largest body this package stores or reads (256 MiB): a body is one string in memory, and
 * V8 holds no string much longer than half a gigabyte.
 *
 * @category constants
 */
export const MAX_PAYLOAD_BYTES = 256 * 1024 ** 2

/**
 * The largest body stored or read unless told otherwise (32 MiB): a message's sender decides
 * what a consumer reads into memory, so the bound is the consumer's.
 *
 * @category constants
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 32 * 1024 ** 2

/**
 * Where a body is stored.
 *
 * @category models
 */
export interface S3Pointer {
  readonly bucket: string
  readonly key: string
}

/**
 * A producer's settings for large payloads.
 *
 * @category models
 */
export interface Options {
  /** The bucket bodies are stored in. */
  readonly bucket: string
  /**
   * Messages whose body and attributes are larger than this many bytes are stored in S3
   * (default: the queue's maximum message size, SQS's limit of 1 MiB unless the queue lowers it).
   */
  readonly threshold?: number | undefined
  /** Prepended to each object's key (a UUID), e.g. `payloads/`. */
  readonly keyPrefix?: string | undefined
  /** Store every message in S3, whatever its size. */
  readonly alwaysThroughS3?: boolean | undefined
  /**
   * Bodies larger than this many bytes are refused before anything is stored (default
   * `DEFAULT_MAX_PAYLOAD_BYTES`, 32 MiB, what a consumer reads by default; at most
   * `MAX_PAYLOAD_BYTES`).
   */
  readonly maxBytes?: number | undefined
}

/**
 * Which pointers a consumer follows. A pointer is written by whoever can send to the queue, a far
 * wider right than reading and deleting objects with the consumer's credentials: only objects of
 * the configured buckets are read (and deleted once their message is), and only up to the size
 * the message declares and `maxBytes`.
 *
 * @category models
 */
export interface ReadPolicy {
  /** The buckets whose objects pointers may name. None: every pointer is refused. */
  readonly buckets: ReadonlyArray<string>
  /** When set, only keys this package's producer writes with it: the prefix, then a UUID. */
  readonly keyPrefix?: string | undefined
  /** The largest body read, in bytes. */
  readonly maxBytes: number
}

/**
 * @category errors
 */
export class InvalidPayloadOptions extends Schema.TaggedError<InvalidPayloadOptions>()(
  "InvalidPayloadOptions",
  { message: Schema.String }
) {}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
/** The extended clients' rule for key prefixes. */
const KEY_PREFIX = /^(?![./])(?!.*\.\.)[a-zA-Z0-9./_-]{0,988}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** S3's longest key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024
/** C0 and C1 controls, DEL, and the line and paragraph separators: never in a key we follow. */
const CONTROL = /\p{Cc}|[\u2028\u2029]/u

/**
 * True for a name S3 accepts for a bucket (3 to 63 lowercase letters, digits, dots and hyphens,
 * starting and ending with a letter or digit, no two dots in a row).
 *
 * @category validation
 */
export const isBucketName = (name: string): boolean => BUCKET_NAME.test(name) && !name.includes("..")

const BUCKET_RULE = "3 to 63 lowercase letters, digits, dots and hyphens"

const invalidBucket = (what: string, bucket: string) =>
  new InvalidPayloadOptions({
    message: `${what} must be an S3 bucket name (${BUCKET_RULE}), got "${shorten(bucket)}"`
  })

const checkMaxBytes = (maxBytes: number | undefined): InvalidPayloadOptions | undefined =>
  maxBytes === undefined || (Number.isInteger(maxBytes) && maxBytes >= 1 && maxBytes <= MAX_PAYLOAD_BYTES)
    ? undefined
    : new InvalidPayloadOptions({
        message: `the largest payload must be a whole number of bytes from 1 to ${MAX_PAYLOAD_BYTES}, got ${maxBytes}`
      })

const checkKeyPrefix = (keyPrefix: string | undefined): InvalidPayloadOptions | undefined =>
  keyPrefix === undefined || KEY_PREFIX.test(keyPrefix)
    ? undefined
    : new InvalidPayloadOptions({
        message:
          "the payload key prefix must be up to 988 of a-z A-Z 0-9 . / _ -, not starting with . or / and without ..; " +
          `got "${shorten(keyPrefix)}"`
      })

/**
 * Checks the options; the error names the option and what it allows.
 *
 * @category validation
 */
export const check = (options: Options): InvalidPayloadOptions | undefined => {
  if (!isBucketName(options.bucket)) return invalidBucket("the payload bucket", options.bucket)
  if (options.threshold !== undefined && (!Number.isInteger(options.threshold) || options.threshold < 0))
    return new InvalidPayloadOptions({
      message: `the payload threshold must be a whole number of bytes, got ${options.threshold}`
    })
  return checkKeyPrefix(options.keyPrefix) ?? checkMaxBytes(options.maxBytes)
}

/**
 * Checks a read policy's settings, as `check` does a producer's.
 *
 * @category validation
 */
export const checkPolicy = (policy: ReadPolicy): InvalidPayloadOptions | undefined => {
  const invalid = policy.buckets.find((bucket) => !isBucketName(bucket))
  if (invalid !== undefined) return invalidBucket("a payload bucket", invalid)
  return checkKeyPrefix(policy.keyPrefix) ?? checkMaxBytes(policy.maxBytes)
}

/**
 * The body size a pointer message declares (`ExtendedPayloadSize`, or the legacy name), or
 * undefined when it declares none that is a whole number of bytes.
 *
 * @category codec
 */
export const declaredSize = (
  attributes: Readonly<
    Record<string, { readonly DataType?: string | undefined; readonly StringValue?: string | undefined }>
  >
): number | undefined => {
  for (const name of RESERVED_ATTRIBUTES) {
    const value = attributes[name]?.StringValue?.trim()
    if (value === undefined) continue
    return /^\d{1,15}$/.test(value) ? Number(value) : undefined
  }
  return undefined
}

/**
 * Where a message's body is stored, and the size it declares: for a message marked as a pointer
 * whose body is one; undefined for any other (a plain message, or a marked one that is malformed).
 *
 * @category codec
 */
export const storedAt = (message: {
  readonly body: string
  readonly messageAttributes: Parameters<typeof declaredSize>[0]
}): { readonly pointer: S3Pointer; readonly size: number | undefined } | undefined => {
  if (!isMarked(message.messageAttributes)) return undefined
  const pointer = decodePointer(message.body)
  return pointer === undefined ? undefined : { pointer, size: declaredSize(message.messageAttributes) }
}

/**
 * Why a pointer must not be followed under `policy`, in one line naming what is wrong; undefined
 * when it may. Checked before any request, so that a refused pointer costs nothing and touches
 * nothing.
 *
 * @category validation
 */
export const refusal = (
  pointer: S3Pointer,
  size: number | undefined,
  policy: ReadPolicy
): string | undefined => {
  const where = formatPointer(pointer)
  if (!isBucketName(pointer.bucket))
    return `its pointer names "${shorten(pointer.bucket)}", which is not an S3 bucket name (${BUCKET_RULE})`
  if (!policy.buckets.includes(pointer.bucket))
    return policy.buckets.length === 0
      ? `its body is said to be at ${where}, and this consumer reads no payload bucket`
      : `its body is said to be at ${where}, and ${pointer.bucket} is not a payload bucket of this consumer (${policy.buckets.join(", ")})`
  if (CONTROL.test(pointer.key) || Buffer.byteLength(pointer.key) > MAX_KEY_BYTES)
    return `its pointer's key is not one S3 could hold (${where})`
  if (policy.keyPrefix !== undefined) {
    const rest = pointer.key.startsWith(policy.keyPrefix)
      ? pointer.key.slice(policy.keyPrefix.length)
      : undefined
    if (rest === undefined || !UUID.test(rest))
      return `its body is said to be at ${where}, a key its producer could not have written (keys are ${policy.keyPrefix}<uuid>)`
  }
  if (size === undefined)
    return `its pointer to ${where} declares no size (${SIZE_ATTRIBUTE} must be a whole number of bytes)`
  if (size > policy.maxBytes)
    return `its body at ${where} is ${size} bytes, over this consumer's limit of ${policy.maxBytes} bytes`
  return undefined
}

/**
 * The body of a pointer message, as Java's extended client writes it.
 *
 * @category codec
 */
export const encodePointer = (pointer: S3Pointer): string =>
  JSON.stringify([POINTER_CLASS, { s3BucketName: pointer.bucket, s3Key: pointer.key }])

/**
 * The pointer in a body written by any extended client, or undefined when it is not one.
 *
 * @category codec
 */
export const decodePointer = (body: string): S3Pointer | undefined =>
  Option.match(decodePointerBody(body), {
    onNone: () => undefined,
    onSome: ([, fields]) => ({ bucket: fields.s3BucketName, key: fields.s3Key })
  })

/** Extra fields are allowed, as Jackson's readers allow them. */
const decodePointerBody = Schema.decodeUnknownOption(
  Schema.fromJsonString(
    Schema.Tuple([
      Schema.Literals([POINTER_CLASS, LEGACY_POINTER_CLASS]),
      Schema.Struct({ s3BucketName: Schema.NonEmptyString, s3Key: Schema.NonEmptyString })
    ])
  )
)

/**
 * True when the attributes mark a pointer (either name), as the extended clients decide.
 *
 * @category codec
 */
export const isMarked = (attributes: Readonly<Record<string, unknown>>): boolean =>
  RESERVED_ATTRIBUTES.some((name) => name in attributes)

/**
 * `s3://BUCKET/KEY`, for messages.
 *
 * @category codec
 */
export const formatPointer = (pointer: S3Pointer): string =>
  `s3://${shorten(pointer.bucket)}/${shorten(pointer.key)}`
