/**
 * A local SQS over real HTTP for integration tests, and the services pointed at it.
 */
import { type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { Context, Deferred, Effect, Layer, Logger, Metric, Ref, References, Schedule } from "effect"
import { Producer, QueueServices, SqsConfig, SqsMetrics } from "../src/index.ts"
import { startVerifier } from "./lean/sigv4Verifier.ts"

const REGION = SqsConfig.LOCAL_REGION

export class LocalSqs extends Context.Service<LocalSqs, LocalSqsServer>()("test/LocalSqs") {
  /** A local SQS adding `latencyMs` to every request (a real SQS region's round trip is about 20). */
  static readonly layerAt = (latencyMs: number) =>
    Layer.effect(
      LocalSqs,
      Effect.acquireRelease(
        Effect.promise(() => start({ latencyMs })),
        (server) => Effect.promise(() => server.stop())
      )
    )
  static readonly layer = LocalSqs.layerAt(0)
}

/** The latencies engine and reliability tests run at: none, and a real SQS region's round trip. */
export const LATENCIES = [0, 20] as const

/** No retries in tests: a transient failure should show, not be waited out. */
export const noRetry = Schedule.recurs(0)

/** Tests log only warnings and errors. */
export const quietLogs = Layer.succeed(References.MinimumLogLevel, "Warn")

/**
 * The client, queues and producer against a fresh local SQS adding `latencyMs`, plus the server
 * handle. Requests go through a SigV4 verifier (`lean/sigv4Verifier.ts`): every request these
 * tests make, lean or SDK, is signed as `aws4` would sign it, or is refused with a 403.
 */
export const localSqsServicesAt = (latencyMs: number) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const verifier = yield* Effect.acquireRelease(
        Effect.promise(() =>
          startVerifier({ upstream: server.endpoint, credentials: PLACEHOLDER_CREDENTIALS, region: REGION })
        ),
        (verifier) => Effect.promise(() => verifier.stop())
      )
      return QueueServices.layer({ endpoint: verifier.endpoint, retrySchedule: noRetry })
    })
  ).pipe(Layer.provideMerge(LocalSqs.layerAt(latencyMs)), Layer.provideMerge(quietLogs))

/** What SqsClient signs with on loopback endpoints. */
const PLACEHOLDER_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" }

/** The client, queues and producer against a fresh local SQS, plus the server handle. */
export const LocalSqsServices = localSqsServicesAt(0)

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
  Effect.map(Metric.value(Metric.withAttributes(SqsMetrics.apiCalls, { action })), (state) => state.count)

/** Waits (on the wall clock, polling every 20 ms) until `condition` holds; fails after `timeout`. */
export const eventually = (condition: () => boolean, what: string, timeout = "15 seconds" as const) =>
  Effect.gen(function* () {
    while (!condition()) yield* Effect.sleep("20 millis")
  }).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.die(new Error(`timed out waiting: ${what}`))
    })
  )

/** Collects what is logged, as `LEVEL message` lines, for the effect it is provided to. */
export const capturedLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    lines.push(`${logLevel.toUpperCase()} ${text}`)
  })
  return { lines, layer: Logger.layer([logger]) }
}
