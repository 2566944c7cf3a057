/**
 * The consumer's health and metrics over HTTP, for a process manager and for Prometheus:
 *
 * - `GET /healthz`: 200 while the poll loop has had a receive come back within `staleAfter`,
 *   503 otherwise (SQS unreachable, or the loop stuck): a liveness probe.
 * - `GET /readyz`: 200 once the queue has resolved and a first receive has come back: a
 *   readiness probe.
 * - `GET /metrics`: every Effect metric of the process in the Prometheus text format (Effect's own
 *   `PrometheusMetrics`), labelled by queue.
 *
 * It listens on loopback unless told otherwise, and warns at startup when it does not.
 */
import { type Duration, Effect, Layer } from "effect"
import type * as AppErrors from "./errors.ts"

export interface Options {
  readonly port: number
  readonly host: string
  /** The queue's name, as its metrics are labelled. */
  readonly queue: string
  /** How long since the last receive came back before the consumer counts as unhealthy. */
  readonly staleAfter: Duration.Duration
}

/**
 * Serves the three endpoints for as long as the layer is in use. The HTTP server (Effect's Node
 * platform) is loaded only then: a consumer without a metrics port does not hold it.
 */
export const layer = (options: Options): Layer.Layer<never, AppErrors.AppError> =>
  Layer.unwrap(
    Effect.map(
      Effect.promise(() => import("./healthServerLive.ts")),
      (live) => live.layer(options)
    )
  )
