/**
 * A consumer process for the shutdown test: each message takes HANDLER_MS to handle, and one
 * JSON line is printed per message handled. SIGTERM shuts it down through NodeRuntime.runMain.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import { Consumer, Queues, SqsClient } from "../../src/index.ts"

const env = (name: string) => process.env[name] ?? ""

const services = Queues.layer.pipe(Layer.provideMerge(SqsClient.layer({ endpoint: env("ENDPOINT") })))

const program = Consumer.run(
  env("QUEUE"),
  (message) =>
    Effect.sleep(`${Number(env("HANDLER_MS"))} millis`).pipe(
      Effect.andThen(Console.log(JSON.stringify({ done: message.body })))
    ),
  {
    waitTime: "1 second",
    maxInFlight: Number(env("MAX_IN_FLIGHT")),
    shutdownTimeout: `${Number(env("SHUTDOWN_TIMEOUT_MS"))} millis`
  }
).pipe(Effect.provide(services))

Console.log(JSON.stringify({ ready: true })).pipe(Effect.andThen(program), (effect) =>
  NodeRuntime.runMain(effect, {
    teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
  })
)
