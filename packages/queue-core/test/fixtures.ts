/**
 * A local SQS over real HTTP for integration tests, and the services pointed at it.
 */
import { type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { Context, Deferred, Effect, Layer, Metric, Ref, References, Schedule } from "effect"
import { ConsumerMetrics, Producer, QueueServices } from "../src/index.ts"

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
  Effect.map(LocalSqs, (server) => QueueServices.layer({ endpoint: server.endpoint, retrySchedule: noRetry }))
).pipe(Layer.provideMerge(LocalSqs.layer), Layer.provideMerge(quietLogs))

let counter = 0
/** A queue name of its own for each test, so tests sharing one server do not see each other. */
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`

/** A queue of its own, filled with `count` numbered messages. */
export const queueWith = (count: number) =>
  Effect.gen(function* () {
    const server = yield* LocalSqs
    const name = uniqueName("consume")
    server.createQueue({ name })
    if (count > 0) {
      yield* (yield* Producer.Producer).sendBatch(
        name,
        Array.from({ length: count }, (_, i) => `message ${i}`)
      )
    }
    return { name, counts: () => server.inspect(name)! }
  })

/** Collects handled bodies and signals when `expected` have been handled. */
export const recorder = (expected: number) =>
  Effect.gen(function* () {
    const bodies = yield* Ref.make<Array<string>>([])
    const done = yield* Deferred.make<void>()
    const record = (body: string) =>
      Ref.updateAndGet(bodies, (all) => [...all, body]).pipe(
        Effect.flatMap((all) => (all.length >= expected ? Deferred.succeed(done, undefined) : Effect.void))
      )
    return { bodies, done, record }
  })

/** How many requests of an action this process has made so far. */
export const apiCallsOf = (action: string) =>
  Effect.map(
    Metric.value(Metric.withAttributes(ConsumerMetrics.apiCalls, { action })),
    (state) => state.count
  )
