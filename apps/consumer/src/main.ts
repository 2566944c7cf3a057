/**
 * The worker (the lab's receive.py): long-polls the queue, prints each message, deletes it once
 * printed, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { Flags, HealthServer, Logging, runMain, Services, Telemetry } from "@bgcheck/app-kit"
import { Consumer, ConsumerMetrics, Queues } from "@bgcheck/queue-core"
import { Config, Duration, Effect, identity, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { printMessage } from "./printMessage.ts"

const flags = {
  ...Flags.common,
  maxMessages: Flags.integer("max-messages", Consumer.limits.maxMessages).pipe(
    Flag.withDescription("Messages asked for per receive, 1 to 10 (default 10)"),
    Flag.withDefault(10)
  ),
  wait: Flags.duration("wait", { ...Consumer.limits.waitTime, wholeSeconds: true }).pipe(
    Flag.withDescription(
      "Long-poll wait per receive, 0s to 20s (default 5s). Shutdown lets the poll in flight finish, so a shorter wait stops sooner; 20s makes the fewest empty receives"
    ),
    Flag.withDefault(Duration.seconds(5))
  ),
  maxInFlight: Flags.integer("max-in-flight", { min: 1 }).pipe(
    Flag.withDescription(
      "Messages held at once, from their receive until SQS confirms their delete, each handled on its own fiber (default 10)"
    ),
    Flag.withDefault(10)
  ),
  visibilityTimeout: Flags.duration("visibility-timeout", {
    ...Consumer.limits.visibilityTimeout,
    wholeSeconds: true
  }).pipe(
    Flag.withDescription("Visibility timeout asked for on receive (default: the queue's)"),
    Flag.optional
  ),
  shutdownTimeout: Flags.duration("shutdown-timeout", { min: Duration.zero }).pipe(
    Flag.withDescription("How long messages in progress may take to finish on shutdown (default 10s)"),
    Flag.withDefault(Duration.seconds(10))
  ),
  metricsPort: Flags.integer("metrics-port", { min: 1, max: 65535 }, "METRICS_PORT").pipe(
    Flag.withDescription(
      "Serve /healthz, /readyz and /metrics (Prometheus) on this port (env METRICS_PORT; default: none)"
    ),
    Flag.optional
  ),
  metricsHost: Flag.String("metrics-host").pipe(
    Flag.withMetavar("HOST"),
    Flag.withDescription(
      "Address the metrics port listens on (env METRICS_HOST; default 127.0.0.1, loopback only; 0.0.0.0 for every interface)"
    ),
    Flag.withFallbackConfig(Config.String("METRICS_HOST")),
    Flag.withDefault("127.0.0.1")
  ),
  payloadBucket: Flags.payloadBuckets,
  workTime: Flags.duration("work-time", { min: Duration.zero }).pipe(
    Flag.withDescription(
      "Simulated work per message before it is printed, to try shutdown and load (default 0: none)"
    ),
    Flag.withDefault(Duration.zero)
  )
}

const consumer = Command.make("consumer", flags, (flags) =>
  Effect.gen(function* () {
    const printOnly = printMessage(flags.logFormat)
    const print = Duration.isZero(flags.workTime)
      ? printOnly
      : (message: Consumer.ReceivedMessage) =>
          Effect.andThen(Effect.sleep(flags.workTime), printOnly(message))
    const queue = yield* (yield* Queues.Queues).resolve(flags.queue)
    yield* Consumer.run(queue.url, print, {
      maxMessages: flags.maxMessages,
      waitTime: flags.wait,
      maxInFlight: flags.maxInFlight,
      shutdownTimeout: flags.shutdownTimeout,
      ...(flags.visibilityTimeout._tag === "Some" ? { visibilityTimeout: flags.visibilityTimeout.value } : {})
    }).pipe(
      Option.match(flags.metricsPort, {
        onNone: () => identity,
        onSome: (port) =>
          Effect.provide(
            HealthServer.layer({
              port,
              host: flags.metricsHost,
              queue: queue.name,
              // A long poll takes up to its wait, and a request has 5 s more before it counts as lost.
              staleAfter: Duration.sum(flags.wait, Duration.seconds(10))
            })
          )
      }),
      Effect.onInterrupt(() =>
        Consumer.summary(queue.name).pipe(
          Effect.flatMap((summary) =>
            Effect.logInfo(`consumer stopped: ${ConsumerMetrics.formatSummary(summary)}`)
          )
        )
      )
    )
  }).pipe(
    Effect.provide(Services.layer(flags, { embedLocalSqs: true, payloadBuckets: flags.payloadBucket })),
    Effect.provide(Telemetry.layer("consumer")),
    Effect.provide(Logging.layer(flags.logFormat))
  )
).pipe(Command.withDescription("Receive messages from an SQS queue, print each one, and delete it."))

runMain(consumer)
