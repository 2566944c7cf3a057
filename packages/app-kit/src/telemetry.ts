/**
 * OpenTelemetry export, configured the standard way: when `OTEL_EXPORTER_OTLP_ENDPOINT` (or a
 * signal's own `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`) is set, traces, metrics and logs go there
 * over OTLP/HTTP (JSON), with `OTEL_SERVICE_NAME` (default: the app's name),
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS` and the other `OTEL_*` settings read by
 * Effect's own `Otlp` module. Nothing is exported when they are not set, and `OTEL_SDK_DISABLED`
 * turns it all off. What is buffered is flushed when the app stops.
 */
import { Config, ConfigProvider, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
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

/**
 * The exporters for an app. Provide it inside the app's logging layer, so that the OTLP logger
 * joins the app's own loggers instead of being replaced by them.
 */
export const layer = (serviceName: string) =>
  Layer.unwrap(
    Effect.map(Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault(serviceName)), (name) =>
      Otlp.layerFromConfig({ resource: { serviceName: name }, loggerMergeWithExisting: true })
    )
  ).pipe(
    Layer.provide(OtlpSerialization.layerJson),
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(OTLP_BY_DEFAULT)
  )
