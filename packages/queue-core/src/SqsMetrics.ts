/**
 * Effect metrics of the SQS calls this process makes, whoever makes them (consumers, producers,
 * queue lookups): one counter of requests, with an `action` attribute.
 *
 * @since 0.2.0
 */
import { Effect, Metric } from "effect"

/** @category metrics */
export const apiCalls = Metric.counter("sqs_api_calls_total", {
  description: "SQS API requests, by action",
  incremental: true
})

/**
 * All SQS requests made by this process so far, every action and queue.
 *
 * @category constructors
 */
export const totalApiCalls: Effect.Effect<number> = Effect.map(Metric.snapshot, (snapshot) =>
  snapshot
    .filter((entry) => entry.id === "sqs_api_calls_total")
    .reduce((total, entry) => total + (entry.state as Metric.CounterState<number>).count, 0)
)
