/**
 * OpenTelemetry export, configured the standard way (see telemetryLive.ts): traces, metrics and
 * logs go over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` or a signal's own
 * `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` is set, and `OTEL_SDK_DISABLED` turns it all off.
 *
 * The exporters and their HTTP client are loaded only when an endpoint is set: an app that
 * exports nothing does not hold them.
 */
import { Config, Effect, Layer, Option } from "effect"

const ENDPOINTS = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
  "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"
]

/** Whether anything may be exported: the rest of the settings are read by the exporters. */
const exporting = Config.all({
  disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
  endpoints: Config.all(ENDPOINTS.map((name) => Config.option(Config.String(name))))
}).pipe(Config.map(({ disabled, endpoints }) => !disabled && endpoints.some(Option.isSome)))

/**
 * The exporters for an app. Provide it inside the app's logging layer, so that the OTLP logger
 * joins the app's own loggers instead of being replaced by them.
 */
export const layer = (serviceName: string) =>
  Layer.unwrap(
    Effect.gen(function* () {
      if (!(yield* exporting)) return Layer.empty
      const live = yield* Effect.promise(() => import("./telemetryLive.ts"))
      return live.layer(serviceName)
    })
  )
