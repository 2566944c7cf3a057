/**
 * Every failure of an SQS call, as one typed error with a `reason`.
 *
 * The reason says what went wrong in terms a caller can act on (the queue does not exist, the
 * endpoint cannot be reached, the request was throttled, ...) and whether trying again later can
 * help (`isRetryable`). SDK exceptions, network errors and the lean transport's error answers
 * are classified by the same data tables.
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

/** Answers the SDK could not read: not JSON, or longer than SQS sends (`boundedBody.ts`). */
const unreadableCodes = new Set(["SyntaxError", "ResponseTooLarge"])

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
 * SQS's legacy (query) error codes, sent in `x-amzn-query-error`, whose exception the SDK names
 * otherwise (the model's `awsQueryError`): classified by that name, as the SDK reports them.
 */
const modeledByQueryCode: Readonly<Record<string, string>> = {
  "AWS.SimpleQueueService.BatchEntryIdsNotDistinct": "BatchEntryIdsNotDistinct",
  "AWS.SimpleQueueService.BatchRequestTooLong": "BatchRequestTooLong",
  "AWS.SimpleQueueService.EmptyBatchRequest": "EmptyBatchRequest",
  "AWS.SimpleQueueService.InvalidBatchEntryId": "InvalidBatchEntryId",
  "AWS.SimpleQueueService.MessageNotInflight": "MessageNotInflight",
  "AWS.SimpleQueueService.NonExistentQueue": "QueueDoesNotExist",
  "AWS.SimpleQueueService.PurgeQueueInProgress": "PurgeQueueInProgress",
  "AWS.SimpleQueueService.QueueDeletedRecently": "QueueDeletedRecently",
  "AWS.SimpleQueueService.TooManyEntriesInBatchRequest": "TooManyEntriesInBatchRequest",
  "AWS.SimpleQueueService.UnsupportedOperation": "UnsupportedOperation",
  "KMS.AccessDeniedException": "KmsAccessDenied",
  "KMS.DisabledException": "KmsDisabled",
  "KMS.InvalidKeyUsageException": "KmsInvalidKeyUsage",
  "KMS.InvalidStateException": "KmsInvalidState",
  "KMS.NotFoundException": "KmsNotFound",
  "KMS.OptInRequired": "KmsOptInRequired",
  "KMS.ThrottlingException": "KmsThrottled",
  QueueAlreadyExists: "QueueNameExists"
}

/** An answer that is not SQS's: not its JSON, or longer than SQS sends (`limit`). */
const unreadable = (status: number, target: Target, limit?: unknown): InvalidResponse => {
  const what =
    limit === undefined ? "a body that is not SQS's JSON" : `more than ${limit} bytes, more than SQS sends`
  return new InvalidResponse({
    status,
    message: `the endpoint at ${target.location} answered HTTP ${status} with ${what}: check that it is SQS, not a proxy or a web server`
  })
}

/** The reason of an error answer, by its code; `fault` says who is to blame, when known. */
const reasonOf = (
  code: string,
  text: string,
  status: number | undefined,
  fault: string | undefined,
  target: Target
): SqsErrorReason => {
  // SQS's own text can echo the refused request, credentials included.
  const detail = redact(text)
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
  if (fault === "server" || (status !== undefined && status >= 500)) {
    return new ServiceUnavailable({ code, message: `SQS failed on its side (${code}): ${detail}` })
  }
  if (fault === "client") {
    return new InvalidRequest({ code, message: `SQS rejected the request (${code}): ${detail}` })
  }
  return new Unknown({ code, message: `${code}: ${detail}` })
}

/** A network failure's reason: the request never left, or its connection broke. */
const networkReason = (network: string, target: Target): SqsErrorReason =>
  neverSent.has(network)
    ? new EndpointUnreachable({
        message: `cannot reach SQS at ${target.location} (${describeNetwork(network)})`
      })
    : new ConnectionLost({
        message: `lost the connection to SQS at ${target.location} (${describeNetwork(network)})`,
        reset: resetCodes.has(network)
      })

/**
 * Classifies anything an SQS call can throw (the SDK's exceptions, network errors) into a reason.
 *
 * @category constructors
 */
export const classify = (error: unknown, target: Target): SqsErrorReason => {
  const network = networkCode(error)
  if (network !== undefined) return networkReason(network, target)
  const code = stringField(error, "name") ?? "Error"
  const status = field(field(error, "$metadata"), "httpStatusCode")
  if (Predicate.isNumber(status) && unreadableCodes.has(code)) {
    return unreadable(
      status,
      target,
      code === "ResponseTooLarge" ? (field(error, "limit") ?? "SQS's largest answer in") : undefined
    )
  }
  return reasonOf(
    code,
    stringField(error, "message") ?? String(error),
    Predicate.isNumber(status) ? status : undefined,
    stringField(error, "$fault"),
    target
  )
}

/**
 * What SQS answered, as a reason, for transports that read answers themselves (the lean one):
 * an error answer by its code as SQS sends it (`x-amzn-query-error`, `x-amzn-errortype` or
 * `__type`, already stripped of namespace and detail), blaming the sender unless the status
 * is a 5xx; `undefined` code for a body that is not SQS's (not JSON, no object); `limit` for one
 * longer than SQS sends.
 *
 * @internal
 */
export const classifyAnswer = (
  answer:
    | { readonly status: number; readonly code: string; readonly message: string }
    | { readonly status: number; readonly unreadable: true; readonly limit?: number | undefined },
  target: Target
): SqsErrorReason =>
  "unreadable" in answer
    ? unreadable(answer.status, target, answer.limit)
    : reasonOf(
        modeledByQueryCode[answer.code] ?? answer.code,
        answer.message,
        answer.status,
        answer.status < 500 ? "client" : "server",
        target
      )
