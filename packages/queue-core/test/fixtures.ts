/**
 * A local SQS over real HTTP for integration tests, and the services pointed at it.
 */
import { type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { Context, Effect, Layer, References, Schedule } from "effect"
import { Producer, Queues, SqsClient } from "../src/index.ts"

export class LocalSqs extends Context.Service<LocalSqs, LocalSqsServer>()("test/LocalSqs") {
  static readonly layer = Layer.effect(
    LocalSqs,
    Effect.acquireRelease(
      Effect.promise(() => start()),
      (server) => Effect.promise(() => server.stop())
    )
  )
}

/** No retries in tests: a transient failure should show, not be waited out. */
export const noRetry = Schedule.recurs(0)

/** Tests log only warnings and errors. */
const quietLogs = Layer.succeed(References.MinimumLogLevel, "Warn")

/** The client, queues and producer against a fresh local SQS, plus the server handle. */
export const LocalSqsServices = Layer.unwrap(
  Effect.map(LocalSqs, (server) =>
    Producer.layer.pipe(
      Layer.provideMerge(Queues.layer),
      Layer.provideMerge(SqsClient.layer({ endpoint: server.endpoint, retrySchedule: noRetry }))
    )
  )
).pipe(Layer.provideMerge(LocalSqs.layer), Layer.provideMerge(quietLogs))

let counter = 0
/** A queue name of its own for each test, so tests sharing one server do not see each other. */
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`
