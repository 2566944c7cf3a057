/**
 * Flags every app takes, each with its environment variable, and parsers for numbers and
 * durations that fail with a one-line message naming the flag and what it accepts.
 */
import { LargePayloads } from "@bgcheck/queue-core"
import { Config, Duration, Effect, Option } from "effect"
import { CliError, Flag } from "effect/cli"

const invalid = (option: string, value: string, expected: string) =>
  Effect.fail(new CliError.InvalidValue({ option, value, expected, kind: "flag" }))

/**
 * A whole-number flag within `[min, max]`; with `env`, read from that variable when not given.
 */
export const integer = (name: string, range: { readonly min: number; readonly max?: number }, env?: string) =>
  Flag.String(name).pipe(
    Flag.withMetavar("N"),
    (flag) => (env === undefined ? flag : Flag.withFallbackConfig(flag, Config.String(env))),
    Flag.mapEffect((value) => {
      const parsed = Number(value)
      const expected =
        range.max === undefined
          ? `a whole number of at least ${range.min}`
          : `a whole number from ${range.min} to ${range.max}`
      return /^\d+$/.test(value.trim()) &&
        parsed >= range.min &&
        (range.max === undefined || parsed <= range.max)
        ? Effect.succeed(parsed)
        : invalid(env === undefined ? name : `${name} (or ${env})`, value, expected)
    })
  )

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/
const UNIT_MILLIS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const

/**
 * Reads `500ms`, `7s`, `7` (seconds), `2m` or `1h`.
 */
export const parseDuration = (value: string): Option.Option<Duration.Duration> => {
  const match = DURATION.exec(value.trim())
  if (match === null) return Option.none()
  const unit = (match[2] ?? "s") as keyof typeof UNIT_MILLIS
  return Option.some(Duration.millis(Number(match[1]) * UNIT_MILLIS[unit]))
}

/**
 * A duration flag within `[min, max]`.
 */
export const duration = (
  name: string,
  range: {
    readonly min: Duration.Duration
    readonly max?: Duration.Duration
    readonly wholeSeconds?: boolean
  }
) =>
  Flag.String(name).pipe(
    Flag.withMetavar("DURATION"),
    Flag.mapEffect((value) => {
      const parsed = parseDuration(value)
      const bounds =
        range.max === undefined
          ? `at least ${Duration.format(range.min)}`
          : `from ${Duration.format(range.min)} to ${Duration.format(range.max)}`
      const expected = range.wholeSeconds
        ? `whole seconds ${bounds}, such as 5s or 20`
        : `a duration ${bounds}, such as 5s, 500ms or 2m`
      if (Option.isNone(parsed)) return invalid(name, value, expected)
      const d = parsed.value
      const inRange =
        !Duration.isLessThan(d, range.min) &&
        (range.max === undefined || !Duration.isGreaterThan(d, range.max))
      const whole = !range.wholeSeconds || Duration.toMillis(d) % 1000 === 0
      return inRange && whole ? Effect.succeed(d) : invalid(name, value, expected)
    })
  )

/** `--queue` / `SQS_QUEUE`: a queue name, URL or ARN. */
export const queue = Flag.String("queue").pipe(
  Flag.withAlias("q"),
  Flag.withMetavar("QUEUE"),
  Flag.withDescription("Queue name, URL or ARN (env SQS_QUEUE; default BackgroundCheckApp)"),
  Flag.withFallbackConfig(Config.String("SQS_QUEUE")),
  Flag.withDefault("BackgroundCheckApp")
)

/** `--endpoint`: an SQS endpoint URL (SQS_ENDPOINT and AWS_ENDPOINT_URL[_SQS] are read by queue-core). */
export const endpoint = Flag.String("endpoint").pipe(
  Flag.withMetavar("URL"),
  Flag.withDescription(
    "SQS endpoint URL, e.g. http://127.0.0.1:4566 (env SQS_ENDPOINT, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL)"
  ),
  Flag.optional
)

/** `--region`: an AWS region (AWS_REGION and the AWS profile are read by queue-core). */
export const region = Flag.String("region").pipe(
  Flag.withMetavar("REGION"),
  Flag.withDescription("AWS region for Amazon SQS, e.g. us-west-2 (env AWS_REGION, or the AWS profile)"),
  Flag.optional
)

/** `--transport`: how the hot SQS actions are sent (SQS_TRANSPORT is read by queue-core). */
export const transport = Flag.String("transport").pipe(
  Flag.withMetavar("lean|sdk"),
  Flag.withDescription(
    "lean: signed requests over a keep-alive pool, a third of the AWS SDK's CPU; sdk: the AWS SDK's own pipeline (env SQS_TRANSPORT; default lean)"
  ),
  Flag.optional
)

/** `--log-format` / `LOG_FORMAT`. */
export const logFormat = Flag.String("log-format").pipe(
  Flag.withMetavar("pretty|json"),
  Flag.withDescription(
    "pretty for people, json for one JSON object per line (env LOG_FORMAT; default pretty)"
  ),
  Flag.withFallbackConfig(Config.String("LOG_FORMAT")),
  Flag.withDefault("pretty"),
  Flag.mapEffect((value) => {
    const format = value.trim().toLowerCase()
    return format === "pretty" || format === "json"
      ? Effect.succeed<LogFormat>(format)
      : invalid("log-format (or LOG_FORMAT)", value, "pretty or json")
  })
)

/** The lab's payload bucket (the local SQS creates it), which consumers read by default. */
export const DEFAULT_PAYLOAD_BUCKET = "bgcheck-payloads"

/** Bucket names, checked one by one; `source` names where they came from. */
const bucketNames = (names: ReadonlyArray<string>, source: string) => {
  const bad = names.find((name) => !LargePayloads.isBucketName(name))
  return bad === undefined
    ? Effect.succeed(names)
    : invalid(source, bad, "S3 bucket names (3 to 63 lowercase letters, digits, dots and hyphens)")
}

/**
 * `--payload-bucket`, repeatable, else `SQS_PAYLOAD_BUCKET` (comma-separated), else the lab's
 * bucket: the buckets whose objects message pointers may name. A pointer into any other bucket
 * is dead-lettered unread, since anyone who can send to the queue writes pointers.
 */
export const payloadBuckets = Flag.String("payload-bucket").pipe(
  Flag.withMetavar("NAME"),
  Flag.withDescription(
    `An S3 bucket that message pointers may name, repeatable: their objects are read and then deleted; a pointer into any other bucket goes to the dead-letter queue unread (env SQS_PAYLOAD_BUCKET, comma-separated; default ${DEFAULT_PAYLOAD_BUCKET})`
  ),
  Flag.atLeast(0),
  Flag.mapEffect((given) =>
    given.length > 0
      ? bucketNames(
          given.map((name) => name.trim()),
          "payload-bucket"
        )
      : Config.option(Config.String("SQS_PAYLOAD_BUCKET")).pipe(
          Effect.orElseSucceed(() => Option.none<string>()),
          Effect.flatMap((value) =>
            Option.isNone(value)
              ? Effect.succeed([DEFAULT_PAYLOAD_BUCKET])
              : bucketNames(
                  value.value
                    .split(",")
                    .map((name) => name.trim())
                    .filter((name) => name !== ""),
                  "SQS_PAYLOAD_BUCKET"
                )
          )
        )
  )
)

/** The flags every app takes. */
export const common = { queue, endpoint, region, transport, logFormat } as const

export type LogFormat = "pretty" | "json"
