/**
 * Every failure of an SQS call, as one typed error with a `reason`.
 *
 * The reason says what went wrong in terms a caller can act on (the queue does not exist, the
 * endpoint cannot be reached, the request was throttled, ...) and whether trying again later can
 * help (`isRetryable`). SDK exceptions and network errors are classified by a data table.
 *
 * @since 0.1.0
 */
import { Predicate, Schema } from "effect"
import { redact } from "./Redact.ts"

/**
 * The queue named in the request does not exist where the client looked.
 *
 * @category errors
 */
export class QueueNotFound extends Schema.TaggedError<QueueNotFound>()("QueueNotFound", {
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Nothing answered at the endpoint (connection refused, unknown host, no route, no connection
 * in time): the request never reached SQS.
 *
 * @category errors
 */
export class EndpointUnreachable extends Schema.TaggedError<EndpointUnreachable>()("EndpointUnreachable", {
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return true
  }
}

/**
 * The connection broke after the request was sent (`reset`: the other side closed it) or no
 * answer came in time: SQS may or may not have acted on it. Retrying is safe for reads, deletes
 * and visibility changes. A send is retried after a reset (most often a keep-alive connection
 * the server closed as the request went out, never read), at the risk of storing it twice, as
 * SQS's own SDKs do; a send that got no answer is not, since SQS may be storing it.
 *
 * @category errors
 */
export class ConnectionLost extends Schema.TaggedError<ConnectionLost>()("ConnectionLost", {
  message: Schema.String,
  reset: Schema.Boolean
}) {
  get isRetryable(): boolean {
    return true
  }
}

/**
 * SQS asked the client to slow down (throttling, too many messages in flight).
 *
 * @category errors
 */
export class Throttled extends Schema.TaggedError<Throttled>()("Throttled", {
  code: Schema.String,
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return true
  }
}

/**
 * SQS failed on its side (HTTP 5xx): the same request may succeed later.
 *
 * @category errors
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  code: Schema.String,
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return true
  }
}

/**
 * The credentials are missing, invalid or not allowed to do this.
 *
 * @category errors
 */
export class AccessDenied extends Schema.TaggedError<AccessDenied>()("AccessDenied", {
  code: Schema.String,
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * SQS rejected the request itself (invalid parameter, body, attribute, receipt handle, ...).
 *
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  code: Schema.String,
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Something answered at the endpoint, but not as SQS answers: a body that is not SQS's JSON (a
 * proxy's or a web server's page), or longer than any answer of SQS. Worth retrying when the
 * status says the failure is on the other side (5xx).
 *
 * @category errors
 */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>()("InvalidResponse", {
  status: Schema.Number,
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return this.status >= 500
  }
}

/**
 * Anything the table does not know.
 *
 * @category errors
 */
export class Unknown extends Schema.TaggedError<Unknown>()("Unknown", {
  code: Schema.String,
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * @category errors
 */
export const SqsErrorReason = Schema.Union([
  QueueNotFound,
  EndpointUnreachable,
  ConnectionLost,
  Throttled,
  ServiceUnavailable,
  AccessDenied,
  InvalidRequest,
  InvalidResponse,
  Unknown
])

/**
 * @category errors
 */
export type SqsErrorReason = typeof SqsErrorReason.Type

/**
 * A failed SQS call: which action, and why.
 *
 * @category errors
 */
export class SqsError extends Schema.TaggedError<SqsError>()("SqsError", {
  action: Schema.String,
  reason: SqsErrorReason
}) {
  override get message(): string {
    return this.reason.message
  }
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
  /**
   * True when SQS may have acted on the request although it failed: the connection broke, or
   * what answered said it succeeded in a form that could not be read.
   */
  get mayHaveReachedSqs(): boolean {
    return (
      this.reason._tag === "ConnectionLost" ||
      (this.reason._tag === "InvalidResponse" && this.reason.status >= 200 && this.reason.status < 300)
    )
  }
}

/** Where a request went, for messages: the endpoint URL or the AWS region. */
export interface Target {
  readonly location: string
  readonly queue?: string | undefined
}

const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT"
])

const networkNames = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"])

const throttlingCodes = new Set([
  "RequestThrottled",
  "ThrottlingException",
  "Throttling",
  "KmsThrottled",
  "KMS.ThrottlingException",
  "OverLimit",
  "TooManyRequestsException"
])

const accessCodes = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "InvalidSecurity",
  "ExpiredToken",
  "ExpiredTokenException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "KmsAccessDenied",
  "CredentialsProviderError"
])

const queueMissingCodes = new Set([
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "NonExistentQueue"
])

/** Answers that could not be read: not JSON (the SDK's and the lean transport's names), too long. */
const unreadableCodes = new Set(["SyntaxError", "InvalidResponse", "ResponseTooLarge"])

/** Failures before the request could be sent. */
const neverSent = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT"
])

/** The other side closed the connection (rather than leaving the request unanswered). */
const resetCodes = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"])

const describeNetwork = (code: string): string => {
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused"
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found"
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "no route to host"
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connection timed out"
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
      return "connection reset"
    default:
      return "timed out"
  }
}

const field = (value: unknown, key: string): unknown =>
  Predicate.hasProperty(value, key) ? (value as Record<string, unknown>)[key] : undefined

const stringField = (value: unknown, key: string): string | undefined => {
  const found = field(value, key)
  return Predicate.isString(found) ? found : undefined
}

/** The system error code of a network failure, looking through `cause` and aggregated errors. */
const networkCode = (error: unknown, depth = 0): string | undefined => {
  if (depth > 4 || !Predicate.isObject(error)) return undefined
  const code = stringField(error, "code")
  if (code !== undefined && networkCodes.has(code)) return code
  const name = stringField(error, "name")
  if (name !== undefined && networkNames.has(name)) {
    // The SDK's connection timeout: the request was never sent.
    return /did not establish a connection/.test(stringField(error, "message") ?? "")
      ? "UND_ERR_CONNECT_TIMEOUT"
      : "ETIMEDOUT"
  }
  const inner = field(error, "errors")
  if (Array.isArray(inner)) {
    for (const each of inner) {
      const found = networkCode(each, depth + 1)
      if (found !== undefined) return found
    }
  }
  return networkCode(field(error, "cause"), depth + 1)
}

/**
 * Classifies anything an SQS call can throw into a reason.
 *
 * @category constructors
 */
export const classify = (error: unknown, target: Target): SqsErrorReason => {
  const network = networkCode(error)
  if (network !== undefined && neverSent.has(network)) {
    return new EndpointUnreachable({
      message: `cannot reach SQS at ${target.location} (${describeNetwork(network)})`
    })
  }
  if (network !== undefined) {
    return new ConnectionLost({
      message: `lost the connection to SQS at ${target.location} (${describeNetwork(network)})`,
      reset: resetCodes.has(network)
    })
  }
  const code = stringField(error, "name") ?? "Error"
  const metadata = field(error, "$metadata")
  const status = field(metadata, "httpStatusCode")
  if (Predicate.isNumber(status) && unreadableCodes.has(code)) {
    const what =
      code === "ResponseTooLarge"
        ? `more than ${field(error, "limit") ?? "SQS's largest answer in"} bytes, more than SQS sends`
        : "a body that is not SQS's JSON"
    return new InvalidResponse({
      status,
      message: `the endpoint at ${target.location} answered HTTP ${status} with ${what}: check that it is SQS, not a proxy or a web server`
    })
  }
  // SQS's own text can echo the refused request, credentials included.
  const detail = redact(stringField(error, "message") ?? String(error))
  const queue = target.queue === undefined ? "the queue" : `queue "${target.queue}"`
  if (queueMissingCodes.has(code)) {
    return new QueueNotFound({ message: `${queue} does not exist at ${target.location}` })
  }
  if (throttlingCodes.has(code)) {
    return new Throttled({ code, message: `SQS throttled the request (${code}): ${detail}` })
  }
  if (accessCodes.has(code)) {
    return new AccessDenied({ code, message: `access denied at ${target.location} (${code}): ${detail}` })
  }
  const fault = stringField(error, "$fault")
  if (fault === "server" || (Predicate.isNumber(status) && status >= 500)) {
    return new ServiceUnavailable({ code, message: `SQS failed on its side (${code}): ${detail}` })
  }
  if (fault === "client") {
    return new InvalidRequest({ code, message: `SQS rejected the request (${code}): ${detail}` })
  }
  return new Unknown({ code, message: `${code}: ${detail}` })
}
