/**
 * What every contender process shares: its settings (from the harness, in its environment) and its
 * report. A contender runs until the harness, having timed it from the local SQS's side, sends it
 * SIGTERM; it then prints one JSON line (`Report`) and exits.
 */
import type { Body } from "./server/protocol.ts"

export const settings = {
  endpoint: process.env.ENDPOINT ?? "",
  queueUrl: process.env.QUEUE_URL ?? "",
  /** Producers: how many messages to send. */
  messages: Number(process.env.MESSAGES ?? "0"),
  /** Messages handled (or sent) at once. */
  concurrency: Number(process.env.CONCURRENCY ?? "10"),
  /** Side-by-side instances (sqs-consumer) or request loops (raw SDK, plain HTTP). */
  instances: Number(process.env.INSTANCES ?? "1"),
  /** sqs-consumer: "message" (handleMessage) or "batch" (handleMessageBatch). */
  mode: process.env.MODE ?? "message",
  handlerMs: Number(process.env.HANDLER_MS ?? "0"),
  /** Every SLOW_EVERY-th job takes SLOW_MS instead (0: none). */
  slowEvery: Number(process.env.SLOW_EVERY ?? "0"),
  slowMs: Number(process.env.SLOW_MS ?? "0")
}

export const credentials = { accessKeyId: "local", secretAccessKey: "local" }
export const region = "us-east-1"

export interface Report {
  /** Distinct jobs handled (consumers) or messages sent (producers). */
  readonly handled: number
  /** Jobs handled more than once. */
  readonly duplicates: number
  /** From a steady flow's `sentAt` to the handling, for messages sent after the warm-up. */
  readonly latencyMs?: Percentiles
  /** The same for every message, warm-up included. */
  readonly latencyAllMs?: Percentiles
}

export interface Percentiles {
  readonly p50: number
  readonly p95: number
  readonly p99: number
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

const percentiles = (sorted: ReadonlyArray<number>): Percentiles => ({
  p50: percentile(sorted, 50),
  p95: percentile(sorted, 95),
  p99: percentile(sorted, 99)
})

let report: () => Report = () => ({ handled: 0, duplicates: 0 })

process.on("SIGTERM", () => {
  process.stdout.write(`${JSON.stringify(report())}\n`, () => process.exit(0))
})

/** Keeps a contender alive once its work is done, until the harness stops it. */
export const keepAlive = () => setInterval(() => undefined, 60_000)

/** Producers: what to report when stopped. */
export const reportSent = (sent: () => number) => {
  report = () => ({ handled: sent(), duplicates: 0 })
}

/**
 * Consumers: the bookkeeping of what was handled. `begin` reads a body once and says how long its
 * work takes (HANDLER_MS, or SLOW_MS for every SLOW_EVERY-th job); `done` records it as handled.
 */
export const consumerLedger = () => {
  const seen = new Uint8Array(1 << 20)
  const extra = new Set<number>()
  let handled = 0
  let duplicates = 0
  const latencies: Array<number> = []
  const warmupLatencies: Array<number> = []
  report = () => {
    const all = [...latencies, ...warmupLatencies].sort((a, b) => a - b)
    return {
      handled,
      duplicates,
      ...(latencies.length === 0 ? {} : { latencyMs: percentiles(latencies.sort((a, b) => a - b)) }),
      ...(all.length === 0 ? {} : { latencyAllMs: percentiles(all) })
    }
  }
  const record = (body: Body) => {
    const first = body.job < seen.length ? seen[body.job] === 0 : !extra.has(body.job)
    if (body.job < seen.length) seen[body.job] = 1
    else extra.add(body.job)
    if (first) handled++
    else duplicates++
    if (body.sentAt !== undefined)
      (body.warmup === true ? warmupLatencies : latencies).push(Date.now() - body.sentAt)
  }
  return {
    begin: (raw: string | undefined) => {
      const body = JSON.parse(raw ?? "{}") as Body
      const slow = settings.slowEvery > 0 && body.job % settings.slowEvery === settings.slowEvery - 1
      return { ms: slow ? settings.slowMs : settings.handlerMs, done: () => record(body) }
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Producers: the i-th message, about 200 bytes of JSON. */
export const messageBody = (job: number) => JSON.stringify({ job, payload: "x".repeat(180) })
