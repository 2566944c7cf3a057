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
 * The largest body stored in S3 with one PutObject (5 GiB).
 *
 * @category constants
 */
export const MAX_PAYLOAD_BYTES = 5 * 1024 ** 3

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

/**
 * Checks the options; the error names the option and what it allows.
 *
 * @category validation
 */
export const check = (options: Options): InvalidPayloadOptions | undefined => {
  if (!BUCKET_NAME.test(options.bucket) || options.bucket.includes(".."))
    return new InvalidPayloadOptions({
      message: `the payload bucket must be an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens), got "${options.bucket}"`
    })
  if (options.threshold !== undefined && (!Number.isInteger(options.threshold) || options.threshold < 0))
    return new InvalidPayloadOptions({
      message: `the payload threshold must be a whole number of bytes, got ${options.threshold}`
    })
  if (options.keyPrefix !== undefined && !KEY_PREFIX.test(options.keyPrefix))
    return new InvalidPayloadOptions({
      message:
        "the payload key prefix must be up to 988 of a-z A-Z 0-9 . / _ -, not starting with . or / and without ..; " +
        `got "${options.keyPrefix}"`
    })
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
export const formatPointer = (pointer: S3Pointer): string => `s3://${pointer.bucket}/${pointer.key}`
