/**
 * Logs go to stderr, so that stdout carries only the app's output (message lines, JSON records).
 * `pretty` is one short line per entry; `json` is one JSON object per line. `LOG_LEVEL` sets the
 * minimum level (default Info).
 */
import { Config, Effect, Layer, Logger, References } from "effect"
import type { LogFormat } from "./flags.ts"

const LogLevelConfig = Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault("Info" as const))

const prettyLogger = Logger.make(({ date, logLevel, message }) => {
  const text = (Array.isArray(message) ? message : [message])
    .map((part) => (typeof part === "string" ? part : JSON.stringify(part)))
    .join(" ")
  process.stderr.write(`${date.toISOString().slice(11, 23)} ${logLevel.toUpperCase().padEnd(5)} ${text}\n`)
})

/**
 * The logger for a format, plus the minimum level from `LOG_LEVEL`.
 */
export const layer = (format: LogFormat) =>
  Layer.mergeAll(
    format === "json"
      ? Logger.layer([Logger.withConsoleError(Logger.formatJson)])
      : Logger.layer([prettyLogger]),
    Layer.effect(
      References.MinimumLogLevel,
      Effect.orElseSucceed(
        Effect.gen(function* () {
          return yield* LogLevelConfig
        }),
        () => "Info" as const
      )
    )
  )
