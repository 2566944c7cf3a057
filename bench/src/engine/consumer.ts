/**
 * The engine's own cost: `Consumer.run` against an in-process `SqsClient` that answers at once
 * (no HTTP, no signing, no JSON), so that only the engine's work is counted — fibers, spans,
 * metrics, leases, settlement. Prints one JSON line: CPU µs and heap per message.
 *
 * MESSAGES: how many to drain (after a warm-up of a fifth as many). CONCURRENCY: maxInFlight.
 */
import { Consumer, Queues, SqsClient } from "@bgcheck/queue-core"
import { Deferred, Duration, Effect, Fiber, Layer, Logger, Option, Tracer } from "effect"

const messages = Number(process.env.MESSAGES ?? "200000")
/** TRACER=1: a tracer installed, as with OpenTelemetry (its spans kept by no one). */
const tracer = process.env.TRACER === "1"
const concurrency = Number(process.env.CONCURRENCY ?? "100")
const warmup = Math.round(messages / 5)

const url = "http://127.0.0.1:1/000000000000/engine"
const queue: Queues.Queue = {
  name: "engine",
  url,
  arn: "arn:aws:sqs:us-east-1:000000000000:engine",
  fifo: false,
  contentBasedDeduplication: false,
  maximumMessageSize: 262_144,
  visibilityTimeout: Duration.seconds(30),
  redrivePolicy: Option.none()
}

const body = JSON.stringify({ job: 1, payload: "x".repeat(180) })
let next = 0
let deleted = 0
let target = Number.POSITIVE_INFINITY
let reached: Deferred.Deferred<void> | undefined

/** What a real receive returns, made fresh each time as a real answer is parsed fresh. */
const answer = (count: number) => ({
  Messages: Array.from({ length: count }, () => {
    const id = next++
    return {
      MessageId: `m-${id}`,
      ReceiptHandle: `r-${id}`,
      Body: body,
      MD5OfBody: "",
      Attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "1700000000000",
        ApproximateFirstReceiveTimestamp: "1700000000000",
        SenderId: "AIDA"
      }
    }
  })
})

const allSucceed = (input: {
  readonly Entries?: ReadonlyArray<{ readonly Id?: string | undefined }> | undefined
}) =>
  Effect.succeed({
    Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id })),
    Failed: [],
    $metadata: {}
  })

const settings = {
  mode: "explicit",
  endpoint: "http://127.0.0.1:1",
  region: "us-east-1",
  loopback: true,
  credentials: "placeholder",
  location: "http://127.0.0.1:1",
  source: "engine benchmark",
  transport: "lean"
} as const

const unused = () => Effect.die("not used by the engine benchmark")
const client = SqsClient.SqsClient.of({
  settings: settings as unknown as SqsClient.SqsClient["Service"]["settings"],
  getQueueUrl: unused,
  getQueueAttributes: unused,
  listQueues: unused,
  createQueue: unused,
  purgeQueue: unused,
  sendMessage: unused,
  sendMessageBatch: unused,
  receiveMessage: (input) =>
    Effect.sync(() => ({ ...answer(input.MaxNumberOfMessages ?? 1), $metadata: {} })),
  deleteMessageBatch: (input) =>
    Effect.suspend(() => {
      deleted += input.Entries?.length ?? 0
      if (deleted >= target && reached !== undefined)
        return Effect.andThen(Deferred.succeed(reached, undefined), allSucceed(input))
      return allSucceed(input)
    }),
  changeMessageVisibilityBatch: allSucceed as never
} as SqsClient.SqsClient["Service"])

const queues = Queues.Queues.of({
  resolve: () => Effect.succeed(queue)
} as unknown as Queues.Queues["Service"])

let handled = 0
const drain = (count: number) =>
  Effect.gen(function* () {
    reached = yield* Deferred.make<void>()
    target = deleted + count
    const fiber = yield* Effect.forkChild(
      Consumer.run(url, () => Effect.sync(() => void handled++), { maxInFlight: concurrency }).pipe(
        tracer
          ? Effect.provideService(
              Tracer.Tracer,
              Tracer.make({ span: (options) => new Tracer.NativeSpan(options) })
            )
          : (self) => self
      )
    )
    yield* Deferred.await(reached)
    yield* Fiber.interrupt(fiber)
  })

const program = Effect.gen(function* () {
  yield* drain(warmup)
  globalThis.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const cpuBefore = process.cpuUsage()
  const wallBefore = performance.now()
  const from = deleted
  yield* drain(messages)
  const cpu = process.cpuUsage(cpuBefore)
  const wall = performance.now() - wallBefore
  const count = deleted - from
  console.log(
    JSON.stringify({
      messages: count,
      cpuMicrosPerMessage: (cpu.user + cpu.system) / count,
      wallMicrosPerMessage: (wall * 1000) / count,
      heapGrowthMiB: (process.memoryUsage().heapUsed - heapBefore) / 1048576,
      rssMiB: process.memoryUsage().rss / 1048576
    })
  )
})

Effect.runPromise(
  program.pipe(
    Effect.provide(
      Layer.mergeAll(Layer.succeed(SqsClient.SqsClient, client), Layer.succeed(Queues.Queues, queues))
    ),
    Effect.provide(Logger.layer([]))
  )
).catch((error) => {
  console.error(error)
  process.exit(1)
})
