import { existsSync, readFileSync } from "node:fs"
/**
 * What every contender reports when it has handled all the messages: one JSON line on stdout.
 */
export interface Report {
  readonly handled: number
  /** From the first message handled to the last. */
  readonly seconds: number
  /** CPU time of the contender's process (user + system), in milliseconds. */
  readonly cpuMs: number
  /** Peak resident memory of the contender's process, in MiB. */
  readonly maxRssMiB: number
  /**
   * Milliseconds from a message's `sentAt` (in its JSON body) to its handling, for messages sent
   * after the warm-up (`WARMUP_UNTIL`); only in the steady scenario.
   */
  readonly latencyMs?: { readonly p50: number; readonly p95: number; readonly p99: number }
}

export const settings = {
  endpoint: process.env.ENDPOINT ?? "",
  queueUrl: process.env.QUEUE_URL ?? "",
  messages: Number(process.env.MESSAGES ?? "0"),
  handlerMs: Number(process.env.HANDLER_MS ?? "0"),
  concurrency: Number(process.env.CONCURRENCY ?? "1"),
  /** A file that will hold the epoch ms before which messages are not counted in latencies. */
  warmupFile: process.env.WARMUP_FILE
}

/** The end of the warm-up, once the harness has written it (it starts the flow after our first poll). */
let warmupUntil: number | undefined
const warmupEnd = (): number => {
  if (warmupUntil !== undefined || settings.warmupFile === undefined) return warmupUntil ?? 0
  const written = existsSync(settings.warmupFile)
    ? Number(readFileSync(settings.warmupFile, "utf8"))
    : Number.NaN
  if (Number.isFinite(written)) warmupUntil = written
  return warmupUntil ?? Number.POSITIVE_INFINITY
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** The `sentAt` a steady-scenario body carries, if any. */
const sentAtOf = (body: string | undefined): number | undefined => {
  if (body === undefined || !body.includes("sentAt")) return undefined
  const sentAt = (JSON.parse(body) as { sentAt?: number }).sentAt
  return typeof sentAt === "number" ? sentAt : undefined
}

export const credentials = { accessKeyId: "local", secretAccessKey: "local" }

/**
 * Counts handled messages (and, given their bodies, their latencies); prints the report and calls
 * `stop` once all are handled.
 */
export const counter = (stop: () => Promise<void> | void) => {
  let handled = 0
  let firstAt = 0
  const latencies: Array<number> = []
  return (body?: string) => {
    if (handled === 0) firstAt = performance.now()
    handled++
    const sentAt = sentAtOf(body)
    if (sentAt !== undefined && sentAt >= warmupEnd()) latencies.push(Date.now() - sentAt)
    if (handled !== settings.messages) return
    const seconds = (performance.now() - firstAt) / 1000
    const cpu = process.cpuUsage()
    const report: Report = {
      handled,
      seconds,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      ...(latencies.length === 0
        ? {}
        : (() => {
            const sorted = latencies.sort((a, b) => a - b)
            return {
              latencyMs: {
                p50: percentile(sorted, 50),
                p95: percentile(sorted, 95),
                p99: percentile(sorted, 99)
              }
            }
          })())
    }
    // Give the last deletes time to leave before stopping.
    setTimeout(() => {
      process.stdout.write(`${JSON.stringify(report)}\n`)
      Promise.resolve(stop()).then(() => process.exit(0))
    }, 500)
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
