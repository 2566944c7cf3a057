/**
 * OpenTelemetry export, loaded by telemetry.ts once an endpoint is set: traces, metrics and logs
 * go over OTLP/HTTP (JSON), with `OTEL_SERVICE_NAME` (default: the app's name),
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS` and the other `OTEL_*` settings read by
 * Effect's own `Otlp` module. What is buffered is flushed when the app stops.
 *
 * A collector that cannot be reached, answers with an error or does not answer is reported once,
 * in one warning line. Each export request gets 10 s; Effect retries a failed one, and after
 * repeated failures pauses that signal for 60 s. At exit the exporters get Effect's shutdown
 * timeout (3 s, or `OTEL_EXPORTER_OTLP_TIMEOUT` ms), and a failed export is not retried then.
 */
import { Config, ConfigProvider, Duration, Effect, Layer, Predicate, References } from "effect"
import { FetchHttpClient, HttpClient, HttpClientError, type HttpClientRequest } from "effect/http"
import { Otlp, OtlpSerialization } from "effect/observability"

/**
 * OpenTelemetry's default exporter for each signal is OTLP (`OTEL_TRACES_EXPORTER` and its
 * siblings default to "otlp"); Effect's reading defaults to none. The environment still decides:
 * `OTEL_TRACES_EXPORTER=none` turns traces off.
 */
const OTLP_BY_DEFAULT = ConfigProvider.layerAdd(
  ConfigProvider.fromUnknown({
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "otlp",
    OTEL_LOGS_EXPORTER: "otlp"
  })
)

/** How long an export request may go unanswered: OpenTelemetry's default export timeout. */
const REQUEST_TIMEOUT = Duration.seconds(10)

/** What the exporters' client has seen, shared by the three signals. */
interface ExportState {
  warned: boolean
  closing: boolean
}

/** Where a request went, without credentials or query. */
const target = (request: HttpClientRequest.HttpClientRequest) => {
  if (!URL.canParse(request.url)) return "the OTLP endpoint"
  const url = new URL(request.url)
  return `${url.origin}${url.pathname}`
}

const ERROR_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable"
}

/** Why a request failed, in a few words (fetch puts the system error under `cause`). */
const why = (error: HttpClientError.HttpClientError): string => {
  const reason = error.reason
  if (reason._tag === "StatusCodeError") return `HTTP ${reason.response.status}`
  if (reason._tag === "TransportError" && reason.description !== undefined) return reason.description
  let cause: unknown = reason.cause
  for (let depth = 0; depth < 4 && !Predicate.hasProperty(cause, "code"); depth++)
    cause = Predicate.hasProperty(cause, "cause") ? cause.cause : undefined
  const code = Predicate.hasProperty(cause, "code") ? String(cause.code) : undefined
  if (code !== undefined) return ERROR_CODES[code] ?? code
  return reason.message
}

/**
 * The client the exporters post with: each request gets `REQUEST_TIMEOUT`, the first failure is
 * logged once, and once the app is stopping a failure ends the export instead of being retried.
 */
const exportClient = (state: ExportState) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.transform(client, (response, request) => {
        const warnOnce = (reason: string) =>
          Effect.suspend(() => {
            if (state.warned) return Effect.void
            state.warned = true
            return Effect.logWarning(
              `telemetry could not be exported to ${target(request)} (${reason}); what cannot be exported is dropped`
            ).pipe(
              // Not the exporter's own annotations: this line is the app's.
              Effect.provideService(References.CurrentLogAnnotations, {})
            )
          })
        const fail = (reason: HttpClientError.HttpClientErrorReason) =>
          Effect.fail(new HttpClientError.HttpClientError({ reason }))
        return response.pipe(
          Effect.timeoutOrElse({
            duration: REQUEST_TIMEOUT,
            orElse: () =>
              fail(
                new HttpClientError.TransportError({
                  request,
                  description: `no answer within ${Duration.format(REQUEST_TIMEOUT)}`
                })
              )
          }),
          Effect.tap((answer) =>
            answer.status >= 200 && answer.status < 300 ? Effect.void : warnOnce(`HTTP ${answer.status}`)
          ),
          Effect.tapError((error) => warnOnce(why(error))),
          // Cut off at exit, after the exporters' shutdown timeout.
          Effect.onInterrupt(() => warnOnce("no answer before the app stopped")),
          // A defect is not retried: the exporter gives up on this batch at once.
          Effect.catch((error) => (state.closing ? Effect.die(error) : Effect.fail(error))),
          Effect.flatMap((answer) =>
            state.closing && (answer.status < 200 || answer.status >= 300)
              ? Effect.die(`HTTP ${answer.status}`)
              : Effect.succeed(answer)
          )
        )
      })
    )
  )

/**
 * The exporters for an app. Provide it inside the app's logging layer, so that the OTLP logger
 * joins the app's own loggers instead of being replaced by them.
 */
export const layer = (serviceName: string) =>
  Layer.unwrap(
    Effect.map(Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault(serviceName)), (name) => {
      const state: ExportState = { warned: false, closing: false }
      const exporters = Otlp.layerFromConfig({
        resource: { serviceName: name },
        loggerMergeWithExisting: true
      }).pipe(Layer.provide(exportClient(state)))
      // Built after the exporters, so released before them: their flush at exit sees `closing`.
      const stopping = Layer.effectDiscard(
        Effect.addFinalizer(() =>
          Effect.sync(() => {
            state.closing = true
          })
        )
      )
      return Layer.provideMerge(stopping, exporters)
    })
  ).pipe(
    Layer.provide(OtlpSerialization.layerJson),
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(OTLP_BY_DEFAULT)
  )
