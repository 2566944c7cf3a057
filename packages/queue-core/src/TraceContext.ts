/**
 * Trace context across the queue: the producer puts the current span in a `traceparent` message
 * attribute (W3C Trace Context), and the consumer handles the message in a span whose parent is
 * that span, so a trace follows a message from the code that sent it to the code that handled
 * it, whatever tracer exporter is installed (OpenTelemetry, for example).
 *
 * @since 0.1.0
 */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs"
import { Effect, Option, Tracer } from "effect"
import type { OutgoingMessage } from "./OutgoingMessage.ts"

/**
 * The message attribute that carries the trace context.
 *
 * @category constants
 */
export const ATTRIBUTE = "traceparent"

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/**
 * A span as a W3C `traceparent` value, when its ids have the W3C form.
 *
 * @category constructors
 */
export const format = (span: Tracer.AnySpan): Option.Option<string> => {
  const value = `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
  return TRACEPARENT.test(value) ? Option.some(value) : Option.none()
}

/**
 * The span a `traceparent` value names, to use as a parent.
 *
 * @category constructors
 */
export const parse = (value: string): Option.Option<Tracer.ExternalSpan> => {
  const match = TRACEPARENT.exec(value.trim().toLowerCase())
  if (match === null) return Option.none()
  const [, traceId = "", spanId = "", flags = "00"] = match
  return Option.some(
    Tracer.externalSpan({ traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 })
  )
}

/**
 * Adds the current span's trace context to a message, when there is a current span, the message
 * has no trace context yet and has room for one more attribute.
 *
 * @category constructors
 */
export const inject = (message: OutgoingMessage): Effect.Effect<OutgoingMessage> =>
  Effect.map(current, (traceparent) => injectWith(traceparent, message))

/**
 * The current span's `traceparent`, if there is a current span with W3C ids: read once for a
 * whole batch of messages. An external parent counts too: a consumer with no tracer installed
 * handles a message under its sender's trace context alone, and what it sends continues that trace.
 *
 * @category constructors
 */
export const current: Effect.Effect<Option.Option<string>> = Effect.map(
  // Read as an option: `currentParentSpan` fails with an error (and its stack trace) when none.
  Effect.serviceOption(Tracer.ParentSpan),
  Option.flatMap(format)
)

/**
 * Adds a `traceparent` (from `current`) to a message, when the message has no trace context yet
 * and has room for one more attribute.
 *
 * @category constructors
 */
export const injectWith = (traceparent: Option.Option<string>, message: OutgoingMessage): OutgoingMessage => {
  const attributes = message.attributes ?? {}
  if (Option.isNone(traceparent) || ATTRIBUTE in attributes || Object.keys(attributes).length >= 10) {
    return message
  }
  return { ...message, attributes: { ...attributes, [ATTRIBUTE]: traceparent.value } }
}

/**
 * The trace context a received message carries, if any.
 *
 * @category constructors
 */
export const extract = (
  attributes: Readonly<Record<string, MessageAttributeValue>>
): Option.Option<Tracer.ExternalSpan> => {
  const value = attributes[ATTRIBUTE]?.StringValue
  return value === undefined ? Option.none() : parse(value)
}
