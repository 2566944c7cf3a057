/**
 * Effect metrics of the consumer and of SQS calls. Every consumer metric carries a `queue`
 * attribute; API calls carry an `action` attribute.
 *
 * Export them with any Effect metrics exporter (for example OpenTelemetry), or read them with
 * `summary`.
 *
 * @since 0.1.0
 */
import { Effect, Metric } from "effect"

const counter = (name: string, description: string) =>
  Metric.counter(name, { description, incremental: true })

/** @category metrics */
export const received = counter("sqs_consumer_messages_received_total", "Messages received")
/** @category metrics */
export const processed = counter(
  "sqs_consumer_messages_processed_total",
  "Messages handled successfully (and deleted)"
)
/** @category metrics */
export const failed = counter(
  "sqs_consumer_messages_failed_total",
  "Messages whose handler failed, timed out or died"
)
/** @category metrics */
export const retried = counter(
  "sqs_consumer_messages_retried_total",
  "Failed messages set to come back after a backoff"
)
/** @category metrics */
export const deadLettered = counter(
  "sqs_consumer_messages_dead_lettered_total",
  "Messages moved to the dead-letter queue"
)
/** @category metrics */
export const released = counter("sqs_consumer_messages_released_total", "Messages made visible again at once")
/** @category metrics */
export const emptyReceives = counter("sqs_consumer_empty_receives_total", "Receives that returned no message")
/** @category metrics */
export const leaseExtensions = counter(
  "sqs_consumer_lease_extensions_total",
  "Visibility extensions of messages in progress"
)
/** @category metrics */
export const inFlight = Metric.gauge("sqs_consumer_messages_in_flight", {
  description: "Messages being handled now"
})
/** @category metrics */
export const handlerDuration = Metric.timer("sqs_consumer_handler_duration", {
  description: "Time spent in the handler per message"
})
/** @category metrics */
export const apiCalls = counter("sqs_api_calls_total", "SQS API requests, by action")

/**
 * What a consumer of a queue has done so far (in this process).
 *
 * @category models
 */
export interface Summary {
  readonly received: number
  readonly processed: number
  readonly failed: number
  readonly retried: number
  readonly deadLettered: number
  readonly released: number
  readonly emptyReceives: number
  readonly leaseExtensions: number
  /** All SQS requests made by this process, every action and queue. */
  readonly apiCalls: number
}

const countOf = (metric: Metric.Counter<number>, attributes: Metric.Metric.Attributes) =>
  Effect.map(Metric.value(Metric.withAttributes(metric, attributes)), (state) => state.count)

/**
 * Reads the consumer metrics of a queue (by name).
 *
 * @category constructors
 */
export const summary = (queue: string): Effect.Effect<Summary> =>
  Effect.gen(function* () {
    const byQueue = { queue }
    const snapshot = yield* Metric.snapshot
    const apiCallCount = snapshot
      .filter((entry) => entry.id === "sqs_api_calls_total")
      .reduce((total, entry) => total + (entry.state as Metric.CounterState<number>).count, 0)
    return {
      received: yield* countOf(received, byQueue),
      processed: yield* countOf(processed, byQueue),
      failed: yield* countOf(failed, byQueue),
      retried: yield* countOf(retried, byQueue),
      deadLettered: yield* countOf(deadLettered, byQueue),
      released: yield* countOf(released, byQueue),
      emptyReceives: yield* countOf(emptyReceives, byQueue),
      leaseExtensions: yield* countOf(leaseExtensions, byQueue),
      apiCalls: apiCallCount
    }
  })

/**
 * The summary as one line, for logs.
 *
 * @category constructors
 */
export const formatSummary = (summary: Summary): string => {
  const perMessage = summary.received === 0 ? 0 : summary.apiCalls / summary.received
  return (
    `received ${summary.received}, processed ${summary.processed}, failed ${summary.failed} ` +
    `(retried ${summary.retried}, dead-lettered ${summary.deadLettered}), released ${summary.released}; ` +
    `${summary.apiCalls} SQS requests (${perMessage.toFixed(2)} per message, ${summary.emptyReceives} empty receives)`
  )
}
