/**
 * Effect metrics of the consumer. Every one carries a `queue` attribute. SQS requests are counted
 * by `SqsMetrics`, whoever makes them.
 *
 * Export them with any Effect metrics exporter (for example OpenTelemetry), or read them with
 * `summary`.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Metric } from "effect"
import * as SqsMetrics from "./SqsMetrics.ts"

const counter = (name: string, description: string) =>
  Metric.counter(name, { description, incremental: true })

/** @category metrics */
export const received = counter("sqs_consumer_messages_received_total", "Messages received")
/** @category metrics */
export const processed = counter(
  "sqs_consumer_messages_processed_total",
  "Messages handled successfully and deleted (SQS confirmed the delete)"
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
export const duplicatesRisked = counter(
  "sqs_consumer_duplicates_risked_total",
  "Handled messages whose delete SQS did not confirm (an expired receipt, say): they will be received again"
)
/** @category metrics */
export const emptyReceives = counter("sqs_consumer_empty_receives_total", "Receives that returned no message")
/** @category metrics */
export const leaseExtensions = counter(
  "sqs_consumer_lease_extensions_total",
  "Visibility extensions of messages in progress"
)
/** @category metrics */
export const inFlight = Metric.gauge("sqs_consumer_messages_in_flight", {
  description: "Messages received and not yet settled"
})
/** @category metrics */
export const handlerDuration = Metric.timer("sqs_consumer_handler_duration", {
  description: "Time spent in the handler per message"
})
/** @category metrics */
export const lastReceive = Metric.gauge("sqs_consumer_last_receive_timestamp_seconds", {
  description: "When the last receive came back from SQS (empty or not), in seconds since the epoch"
})

/**
 * The consumer metrics of one queue.
 *
 * @category models
 */
export interface QueueMetrics {
  readonly received: Metric.Counter<number>
  readonly processed: Metric.Counter<number>
  readonly failed: Metric.Counter<number>
  readonly retried: Metric.Counter<number>
  readonly deadLettered: Metric.Counter<number>
  readonly released: Metric.Counter<number>
  readonly duplicatesRisked: Metric.Counter<number>
  readonly emptyReceives: Metric.Counter<number>
  readonly leaseExtensions: Metric.Counter<number>
  readonly inFlight: typeof inFlight
  readonly handlerDuration: typeof handlerDuration
  readonly lastReceive: typeof lastReceive
}

/**
 * The metrics above, attributed to a queue (by name).
 *
 * @category constructors
 */
export const forQueue = (queue: string): QueueMetrics => {
  const byQueue = { queue }
  return {
    received: Metric.withAttributes(received, byQueue),
    processed: Metric.withAttributes(processed, byQueue),
    failed: Metric.withAttributes(failed, byQueue),
    retried: Metric.withAttributes(retried, byQueue),
    deadLettered: Metric.withAttributes(deadLettered, byQueue),
    released: Metric.withAttributes(released, byQueue),
    duplicatesRisked: Metric.withAttributes(duplicatesRisked, byQueue),
    emptyReceives: Metric.withAttributes(emptyReceives, byQueue),
    leaseExtensions: Metric.withAttributes(leaseExtensions, byQueue),
    inFlight: Metric.withAttributes(inFlight, byQueue),
    handlerDuration: Metric.withAttributes(handlerDuration, byQueue),
    lastReceive: Metric.withAttributes(lastReceive, byQueue)
  }
}

/**
 * Registers every counter of a queue at zero, so that an exporter shows them from the start (a
 * failure counter that appears only with the first failure cannot be alerted on).
 *
 * @category constructors
 */
export const register = (metrics: QueueMetrics): Effect.Effect<void> =>
  Effect.forEach(
    [
      metrics.received,
      metrics.processed,
      metrics.failed,
      metrics.retried,
      metrics.deadLettered,
      metrics.released,
      metrics.duplicatesRisked,
      metrics.emptyReceives,
      metrics.leaseExtensions
    ],
    (counter) => Metric.update(counter, 0),
    { discard: true }
  )

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
  /** Handled messages whose delete was not confirmed: they will be received again. */
  readonly duplicatesRisked: number
  readonly emptyReceives: number
  readonly leaseExtensions: number
  /** All SQS requests made by this process, every action and queue. */
  readonly apiCalls: number
}

const countOf = (metric: Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)

/**
 * Reads the consumer metrics of a queue (by name).
 *
 * @category constructors
 */
export const summary = (queue: string): Effect.Effect<Summary> =>
  Effect.gen(function* () {
    const metrics = forQueue(queue)
    return {
      received: yield* countOf(metrics.received),
      processed: yield* countOf(metrics.processed),
      failed: yield* countOf(metrics.failed),
      retried: yield* countOf(metrics.retried),
      deadLettered: yield* countOf(metrics.deadLettered),
      released: yield* countOf(metrics.released),
      duplicatesRisked: yield* countOf(metrics.duplicatesRisked),
      emptyReceives: yield* countOf(metrics.emptyReceives),
      leaseExtensions: yield* countOf(metrics.leaseExtensions),
      apiCalls: yield* SqsMetrics.totalApiCalls
    }
  })

/**
 * Whether a consumer of a queue (by name) is alive, read from its metrics: `ready` once a receive
 * has come back, `healthy` while the last one came back less than `staleAfter` ago (a poll loop
 * that cannot reach SQS, or is stuck, stops receiving).
 *
 * @category models
 */
export interface Health {
  readonly ready: boolean
  readonly healthy: boolean
  /** Milliseconds since the last receive came back; undefined before the first. */
  readonly lastReceiveAgeMs: number | undefined
}

/**
 * Reads the health of the consumer of a queue (by name).
 *
 * @category constructors
 */
export const health = (queue: string, staleAfter: Duration.Duration): Effect.Effect<Health> =>
  Effect.gen(function* () {
    const last = (yield* Metric.value(forQueue(queue).lastReceive)).value
    if (last === 0) return { ready: false, healthy: false, lastReceiveAgeMs: undefined }
    const age = Math.max(0, (yield* Clock.currentTimeMillis) - last * 1000)
    return { ready: true, healthy: age < Duration.toMillis(staleAfter), lastReceiveAgeMs: age }
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
    `(retried ${summary.retried}, dead-lettered ${summary.deadLettered}), released ${summary.released}` +
    `${summary.duplicatesRisked > 0 ? `, ${summary.duplicatesRisked} not deleted (will be received again)` : ""}; ` +
    `${summary.apiCalls} SQS requests (${perMessage.toFixed(2)} per message, ${summary.emptyReceives} empty receives)`
  )
}
