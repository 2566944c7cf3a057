/** The health server itself (`healthServer.ts`), loaded only when a metrics port is given. */
import { createServer } from "node:http"
import { isIP } from "node:net"
import { ConsumerMetrics, SqsConfig } from "@bgcheck/queue-core"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Predicate } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import * as AppErrors from "./errors.ts"
import type { Options } from "./healthServer.ts"

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
