/**
 * The AWS JSON 1.0 protocol of SQS for the hot actions, by hand: the inputs are already in the
 * wire's shape, so a request body is the input as JSON and a response is parsed JSON. Only binary
 * message attributes differ (base64 on the wire, `Uint8Array` in the SDK's types). Parsing is
 * deliberately not schema-driven: (de)serialisation by schema is a sixth of the SDK's cost per
 * call (see shared/docs/sdk-cost.md), and these shapes are few and flat.
 *
 * Error answers become `SqsError` reasons directly (`SqsError.classifyAnswer`, the same table
 * `classify` uses for the SDK's exceptions). SQS is "query compatible": with
 * `x-amzn-query-mode: true` it sends the legacy error code in `x-amzn-query-error`
 * (`Code;Sender|Receiver`), which the SDK prefers over `__type`, as this does.
 */
import type { IncomingHttpHeaders } from "node:http"
import type {
  MessageAttributeValue,
  SendMessageBatchCommandInput,
  SendMessageCommandInput
} from "@aws-sdk/client-sqs"
import { Effect, Predicate } from "effect"
import { classifyAnswer, type SqsErrorReason, type Target } from "../../SqsError.ts"
import type { Response } from "./http.ts"

/** The actions the lean transport speaks. */
export type Action =
  | "GetQueueUrl"
  | "GetQueueAttributes"
  | "ReceiveMessage"
  | "DeleteMessageBatch"
  | "ChangeMessageVisibilityBatch"
  | "SendMessageBatch"
  | "SendMessage"

export const CONTENT_TYPE = "application/x-amz-json-1.0"

/** The headers every request carries before signing (the SDK sends the same, and signs them). */
export const requestHeaders = (action: Action, host: string, body: string): Record<string, string> => ({
  host,
  "content-type": CONTENT_TYPE,
  "x-amz-target": `AmazonSQS.${action}`,
  // Asks SQS for the legacy error code in `x-amzn-query-error`, as the SDK does.
  "x-amzn-query-mode": "true",
  "content-length": String(Buffer.byteLength(body))
})

// ---------------------------------------------------------------------------------------------
// Requests

type Attributes = Record<string, MessageAttributeValue>

const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

const hasBinary = (attributes: Attributes): boolean => {
  for (const name in attributes) {
    const value = attributes[name]
    if (value?.BinaryValue !== undefined || value?.BinaryListValues !== undefined) return true
  }
  return false
}

/** Binary values as base64; the same object when there are none (the common case). */
const encodeAttributes = <A extends Attributes | undefined>(attributes: A): A => {
  if (attributes === undefined || !hasBinary(attributes)) return attributes
  const encoded: Record<string, unknown> = {}
  for (const name in attributes) {
    const { BinaryValue, BinaryListValues, ...rest } = attributes[name]!
    encoded[name] = {
      ...rest,
      ...(BinaryValue === undefined ? {} : { BinaryValue: toBase64(BinaryValue) }),
      ...(BinaryListValues === undefined ? {} : { BinaryListValues: BinaryListValues.map(toBase64) })
    }
  }
  return encoded as A
}

const encodeMessage = <
  M extends { MessageAttributes?: Attributes | undefined; MessageSystemAttributes?: object | undefined }
>(
  message: M
): M => {
  const MessageAttributes = encodeAttributes(message.MessageAttributes)
  const MessageSystemAttributes = encodeAttributes(message.MessageSystemAttributes as Attributes | undefined)
  return MessageAttributes === message.MessageAttributes &&
    MessageSystemAttributes === message.MessageSystemAttributes
    ? message
    : { ...message, MessageAttributes, MessageSystemAttributes }
}

/** A request body: the input as JSON (undefined members are left out, as the SDK leaves them). */
export const encode = (action: Action, input: object): string => {
  switch (action) {
    case "SendMessage":
      return JSON.stringify(encodeMessage(input as SendMessageCommandInput))
    case "SendMessageBatch": {
      const batch = input as SendMessageBatchCommandInput
      return JSON.stringify({ ...batch, Entries: batch.Entries?.map(encodeMessage) })
    }
    default:
      return JSON.stringify(input)
  }
}

// ---------------------------------------------------------------------------------------------
// Responses

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"))

/** Binary message attributes of received messages, from base64 to bytes, as the SDK returns them. */
const decodeReceivedAttributes = (output: { readonly Messages?: unknown }): void => {
  if (!Array.isArray(output.Messages)) return
  for (const message of output.Messages as ReadonlyArray<{
    MessageAttributes?: Record<string, MessageAttributeValue> | undefined
  }>) {
    const attributes = message.MessageAttributes
    if (attributes === undefined) continue
    for (const name in attributes) {
      const value = attributes[name] as {
        BinaryValue?: unknown
        BinaryListValues?: unknown
      }
      if (Predicate.isString(value.BinaryValue)) value.BinaryValue = fromBase64(value.BinaryValue)
      if (Array.isArray(value.BinaryListValues))
        value.BinaryListValues = value.BinaryListValues.map(fromBase64)
    }
  }
}

const headerOf = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** What the SDK puts in `$metadata`, as far as one attempt can tell. */
const metadataOf = (response: Response) => ({
  httpStatusCode: response.status,
  requestId: headerOf(response.headers, "x-amzn-requestid"),
  attempts: 1,
  totalRetryDelay: 0
})

/** An error code as the SDK cleans it: `ns#Name:detail,more` is `Name`. */
const sanitize = (raw: string): string => {
  const first = raw.split(",")[0]!.split(":")[0]!
  return first.includes("#") ? first.split("#")[1]! : first
}

const stringIn = (data: unknown, key: string): string | undefined =>
  Predicate.hasProperty(data, key) && Predicate.isString(data[key]) ? data[key] : undefined

/**
 * The reason of an error answer. The code is looked for where the SDK looks in query compatible
 * mode: the `x-amzn-query-error` header, then `x-amzn-errortype`, then `__type`.
 */
export const errorOf = (response: Response, data: unknown, target: () => Target): SqsErrorReason => {
  const raw =
    headerOf(response.headers, "x-amzn-query-error")?.split(";")[0] ??
    headerOf(response.headers, "x-amzn-errortype") ??
    stringIn(data, "__type")
  return classifyAnswer(
    {
      status: response.status,
      code: raw === undefined ? "Unknown" : sanitize(raw),
      message: stringIn(data, "message") ?? stringIn(data, "Message") ?? "UnknownError"
    },
    target()
  )
}

/**
 * The output of a successful call, with `$metadata` (and received binary attributes as bytes);
 * its reason otherwise: an error answer, or a body that is not SQS's (not JSON, or JSON but no
 * object in a 2xx answer, which is not safe to retry).
 */
export const decode = <O>(
  action: Action,
  response: Response,
  target: () => Target
): Effect.Effect<O, SqsErrorReason> => {
  const ok = response.status >= 200 && response.status < 300
  return Effect.try({
    // SQS answers `{}` when there is nothing to say (an empty receive); an empty error body is no reason.
    try: (): unknown => (response.body === "" ? {} : JSON.parse(response.body)),
    catch: () => classifyAnswer({ status: response.status, unreadable: true }, target())
  }).pipe(
    Effect.flatMap((data) => {
      if (!ok) return Effect.fail(errorOf(response, data, target))
      if (!Predicate.isObject(data) || Array.isArray(data))
        return Effect.fail(classifyAnswer({ status: response.status, unreadable: true }, target()))
      const output = data as Record<string, unknown>
      output.$metadata = metadataOf(response)
      if (action === "ReceiveMessage") decodeReceivedAttributes(output)
      return Effect.succeed(output as O)
    })
  )
}
