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
import { createServer } from "node:http"
import { isIP } from "node:net"
import { ConsumerMetrics, SqsConfig } from "@bgcheck/queue-core"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { type Duration, Effect, Layer, Predicate } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import * as AppErrors from "./errors.ts"

export interface Options {
  readonly port: number
  readonly host: string
  /** The queue's name, as its metrics are labelled. */
  readonly queue: string
  /** How long since the last receive came back before the consumer counts as unhealthy. */
  readonly staleAfter: Duration.Duration
}

const status = (ok: boolean, text: string) => HttpServerResponse.text(`${text}\n`, { status: ok ? 200 : 503 })

const routes = (options: Options) =>
  HttpRouter.use((router) =>
    Effect.gen(function* () {
      const health = ConsumerMetrics.health(options.queue, options.staleAfter)
      yield* router.add(
        "GET",
        "/healthz",
        Effect.map(health, (h) =>
          status(
            h.healthy,
            h.lastReceiveAgeMs === undefined
              ? "no receive yet"
              : `last receive ${(h.lastReceiveAgeMs / 1000).toFixed(1)}s ago`
          )
        )
      )
      yield* router.add(
        "GET",
        "/readyz",
        Effect.map(health, (h) => status(h.ready, h.ready ? "ready" : "not ready: no receive yet"))
      )
    })
  )

/** Why the server could not listen, in a person's words (an address in use, say). */
const cannotListen = (options: Options, cause: unknown) => {
  const code = Predicate.hasProperty(cause, "code") ? cause.code : undefined
  const why =
    code === "EADDRINUSE"
      ? "the address is already in use"
      : code === "EADDRNOTAVAIL"
        ? "no interface has that address"
        : code === "EACCES"
          ? "permission denied"
          : String(Predicate.hasProperty(cause, "message") ? cause.message : cause)
  return AppErrors.failure(`cannot serve metrics on ${options.host}:${options.port}: ${why}`)
}

/** One warning when the endpoints are open to the network. */
const warnIfReachable = (options: Options) => {
  if (SqsConfig.isLoopbackHost(options.host)) return Effect.void
  const address = isIP(options.host) === 6 ? `[${options.host}]` : options.host
  return Effect.logWarning(
    `metrics server on ${address}:${options.port}: /metrics, /healthz and /readyz are reachable from other machines (--metrics-host 127.0.0.1 keeps them on this one)`
  )
}

/** Serves the three endpoints for as long as the layer is in use. */
export const layer = (options: Options): Layer.Layer<never, AppErrors.AppError> =>
  HttpRouter.serve(Layer.mergeAll(routes(options), PrometheusMetrics.layerHttp({ path: "/metrics" })), {
    disableLogger: true
  }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { port: options.port, host: options.host })),
    Layer.catchTag("ServeError", (error) =>
      Layer.effectDiscard(Effect.fail(cannotListen(options, error.cause)))
    ),
    Layer.tap(() => warnIfReachable(options))
  )
