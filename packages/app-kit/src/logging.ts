/**
 * Logs go to stderr, so that stdout carries only the app's output (message lines, JSON records).
 * `pretty` is one short line per entry; `json` is one JSON object per line. `LOG_LEVEL` sets the
 * minimum level, in any case (default info). Every line goes through `Redact.redact`, so no credential
 * reaches a log whatever produced it, and a value of more than 2,000 characters is cut.
 */
import { Redact } from "@bgcheck/queue-core"
import { Config, Effect, Layer, Logger, type LogLevel, Option, References } from "effect"
import { badInput } from "./errors.ts"
import type { LogFormat } from "./flags.ts"
import { cut } from "./text.ts"

const LEVELS: Record<string, LogLevel.LogLevel> = {
  all: "All",
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  warning: "Warn",
  error: "Error",
  fatal: "Fatal",
  none: "None"
}

const minimumLevel = Effect.gen(function* () {
  const value = yield* Config.option(Config.String("LOG_LEVEL")).pipe(
    Effect.orElseSucceed(() => Option.none())
  )
  if (Option.isNone(value) || value.value.trim() === "") return "Info" as const
  const level = LEVELS[value.value.trim().toLowerCase()]
  if (level === undefined) {
    return yield* badInput(`LOG_LEVEL must be one of ${Object.keys(LEVELS).join(", ")}, got "${value.value}"`)
  }
  return level
})

const partsOf = (message: unknown): ReadonlyArray<unknown> => (Array.isArray(message) ? message : [message])

const prettyLogger = Logger.make(({ date, logLevel, message }) => {
  const text = partsOf(message)
    .map((part) => (typeof part === "string" ? part : JSON.stringify(part)))
    .join(" ")
  process.stderr.write(
    `${date.toISOString().slice(11, 23)} ${logLevel.toUpperCase().padEnd(5)} ${cut(Redact.redact(text))}\n`
  )
})

/** Effect's JSON lines, each string of the message cut as the pretty lines are. */
const jsonLogger = Logger.make((options) =>
  Logger.formatJson.log({
    ...options,
    message: partsOf(options.message).map((part) => (typeof part === "string" ? cut(part) : part))
  })
)

/**
 * The logger for a format, plus the minimum level from `LOG_LEVEL`.
 */
export const layer = (format: LogFormat) =>
  Layer.mergeAll(
    Logger.layer([
      format === "json" ? Logger.withConsoleError(Logger.map(jsonLogger, Redact.redact)) : prettyLogger
    ]),
    Layer.effect(References.MinimumLogLevel, minimumLevel)
  )
