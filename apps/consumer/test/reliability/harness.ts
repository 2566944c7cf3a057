/**
 * What the reliability scenarios share: a local SQS started in the test process (127.0.0.1 only,
 * with the lab's queues), the real apps spawned against it, the consumer's JSON lines parsed as
 * they arrive, and a ledger that counts how often each numbered message was handled.
 *
 * The sender's `--count N --body B` sends `B (1/N)` ... `B (N/N)`; the consumer with
 * `--log-format json` prints one JSON object per handled message. A message counts as handled
 * when the consumer printed it (its handler ran); the queue's counts on the server tell what is
 * still visible, in flight or dead-lettered.
 */
import { performance } from "node:perf_hooks"
import { type AppProcess, runApp, spawnApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, type StartOptions, start } from "@bgcheck/local-sqs"
import { WAIT_MS } from "./config.ts"

export const QUEUE = "BackgroundCheckApp"
export const DLQ = "BackgroundCheckApp-dlq"

// ---------------------------------------------------------------------------------------------
// Servers and processes, cleaned up after each test

const servers = new Set<LocalSqsServer>()
const processes = new Set<AppProcess>()

/** A local SQS on 127.0.0.1 with `BackgroundCheckApp` and its DLQ (redrive after 5 receives). */
export const startServer = async (options: StartOptions = {}): Promise<LocalSqsServer> => {
  const server = await start({ queues: BACKGROUND_CHECK_QUEUES, ...options })
  servers.add(server)
  return server
}

/** Stops a server started by `startServer` (the port is free again once this resolves). */
export const stopServer = async (server: LocalSqsServer): Promise<void> => {
  servers.delete(server)
  await server.stop()
}

const track = (app: AppProcess): AppProcess => {
  processes.add(app)
  void app.exited.then(() => processes.delete(app))
  return app
}

/** Kills what a test left running (after a failure) and stops its servers. Use in `afterEach`. */
export const cleanUp = async (): Promise<void> => {
  const running = [...processes]
  for (const app of running) app.child.kill("SIGKILL")
  await Promise.all(running.map((app) => app.exited))
  await Promise.all([...servers].map((server) => server.stop().catch(() => undefined)))
  servers.clear()
}

// ---------------------------------------------------------------------------------------------
// Waiting for conditions

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A process a wait watches, by name. */
export interface Running {
  readonly name: string
  readonly app: AppProcess
}

/**
 * Resolves with the milliseconds it took once `condition` holds (checked every 25 ms); fails after
 * `timeoutMs` with `what` and the `state` at that moment.
 */
export const waitFor = async (
  condition: () => boolean,
  what: string,
  options: {
    readonly timeoutMs?: number
    readonly state?: () => unknown
    /** Processes that must keep running meanwhile: the wait fails at once if one exits. */
    readonly running?: ReadonlyArray<Running>
  } = {}
): Promise<number> => {
  const started = performance.now()
  const timeoutMs = options.timeoutMs ?? WAIT_MS
  const state = () => (options.state === undefined ? "" : `; state: ${JSON.stringify(options.state())}`)
  while (!condition()) {
    const exited = options.running?.find(
      ({ app }) => app.child.exitCode !== null || app.child.signalCode !== null
    )
    if (exited !== undefined) {
      const { child, stderr } = exited.app
      throw new Error(
        `${exited.name} exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}` +
          `${state()}; its last lines: ${stderr.slice(-5).join(" | ")}`
      )
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state()}`)
    }
    await sleep(25)
  }
  return Math.round(performance.now() - started)
}

/** Fails with `what` if `promise` has not settled within `timeoutMs`. */
export const within = <A>(promise: Promise<A>, timeoutMs: number, what: string): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

// ---------------------------------------------------------------------------------------------
// Queue counts

export interface Counts {
  readonly ready: number
  readonly delayed: number
  readonly inFlight: number
}

export const countsOf = (server: LocalSqsServer, queue: string): Counts =>
  server.inspect(queue) ?? { ready: -1, delayed: -1, inFlight: -1 }

export const total = (counts: Counts) => counts.ready + counts.delayed + counts.inFlight

/** True when the queue holds nothing: no message visible, delayed or in flight. */
export const isEmpty = (server: LocalSqsServer, queue: string) => {
  const counts = server.inspect(queue)
  return counts !== undefined && total(counts) === 0
}

/**
 * Puts `<prefix> (1/n)` ... `<prefix> (n/n)` on the queue directly (no request, no sender
 * process): for scenarios about the consumer, where how the messages got there does not matter.
 */
export const enqueueNumbered = (server: LocalSqsServer, prefix: string, n: number, queue = QUEUE) =>
  server.enqueue(
    queue,
    Array.from({ length: n }, (_, i) => `${prefix} (${i + 1}/${n})`)
  )

/** The main queue's and the DLQ's counts, for failure messages and reports. */
export const queueState = (server: LocalSqsServer, queue = QUEUE, dlq = `${queue}-dlq`) => ({
  [queue]: server.inspect(queue),
  [dlq]: server.inspect(dlq)
})

// ---------------------------------------------------------------------------------------------
// The ledger

/** `B (n/N)`: the sender's numbered copies. */
const NUMBERED = /^(.*) \((\d+)\/(\d+)\)$/

/** Parses a numbered body into its prefix, number and total. */
export const parseNumbered = (body: string) => {
  const match = NUMBERED.exec(body)
  return match === null ? undefined : { prefix: match[1]!, n: Number(match[2]), of: Number(match[3]) }
}

/**
 * How often each of the messages `<prefix> (1/N)` ... `<prefix> (N/N)` was handled. Bodies that
 * are not one of them are kept as unexpected.
 */
export class Ledger {
  private readonly times = new Map<number, number>()
  readonly unexpected: Array<string> = []
  private runs = 0

  readonly prefix: string
  readonly size: number

  constructor(prefix: string, size: number) {
    this.prefix = prefix
    this.size = size
  }

  /** Counts one handling of `body`; false when the body is not one of this ledger's. */
  record(body: string): boolean {
    const parsed = parseNumbered(body)
    if (
      parsed === undefined ||
      parsed.prefix !== this.prefix ||
      parsed.of !== this.size ||
      parsed.n < 1 ||
      parsed.n > this.size
    ) {
      this.unexpected.push(body)
      return false
    }
    this.times.set(parsed.n, (this.times.get(parsed.n) ?? 0) + 1)
    this.runs++
    return true
  }

  /** Distinct messages handled. */
  get handled(): number {
    return this.times.size
  }

  /** Handlings beyond the first, over all messages. */
  get duplicates(): number {
    return this.runs - this.times.size
  }

  get complete(): boolean {
    return this.times.size === this.size
  }

  has(n: number): boolean {
    return this.times.has(n)
  }

  /** The first few numbers never handled, for failure messages. */
  missing(limit = 10): Array<number> {
    const missing: Array<number> = []
    for (let n = 1; n <= this.size && missing.length < limit; n++) if (!this.times.has(n)) missing.push(n)
    return missing
  }

  /** A one-line account, for failure messages. */
  summary() {
    return {
      size: this.size,
      handled: this.handled,
      duplicates: this.duplicates,
      missing: this.missing(),
      unexpected: this.unexpected.slice(0, 5)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The consumer app

/** One line the consumer printed for a handled message (`--log-format json`). */
export interface Printed {
  readonly messageId: string
  readonly body: string
  readonly receiveCount: number
  readonly groupId?: string
  /** Which consumer printed it. */
  readonly consumer: string
  /** Order of arrival in this test process, over all consumers. */
  readonly seq: number
  /** `performance.now()` when the line arrived here. */
  readonly at: number
}

let arrivals = 0

export interface ConsumerApp {
  readonly name: string
  readonly app: AppProcess
  /** What it printed, in order. */
  readonly printed: Array<Printed>
  /** Stdout lines that were not message records (there should be none). */
  readonly strays: Array<string>
  /** True once its stderr has said it is consuming (its first poll is about to go out). */
  readonly consuming: () => boolean
  /** Sends a signal; resolves with the exit code and the milliseconds from the signal to the exit. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<{ readonly code: number | null; readonly ms: number }>
}

/**
 * Starts the consumer app (`--log-format json`) against `endpoint`; every record it prints is
 * parsed as it arrives, given to `onPrinted`, and counted in `ledger` when one is given.
 */
export const spawnConsumer = (
  endpoint: string,
  args: ReadonlyArray<string>,
  options: {
    readonly name?: string
    readonly ledger?: Ledger
    readonly onPrinted?: (printed: Printed) => void
  } = {}
): ConsumerApp => {
  const name = options.name ?? "consumer"
  const app = track(spawnApp("consumer", ["--log-format", "json", ...args], { SQS_ENDPOINT: endpoint }))
  const printed: Array<Printed> = []
  const strays: Array<string> = []
  let partial = ""
  app.child.stdout.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n")
    partial = lines.pop() ?? ""
    const at = performance.now()
    for (const line of lines) {
      if (line.trim() === "") continue
      let record: Omit<Printed, "consumer" | "seq" | "at">
      try {
        record = JSON.parse(line)
      } catch {
        strays.push(line)
        continue
      }
      if (typeof record.body !== "string") {
        strays.push(line)
        continue
      }
      const entry: Printed = { ...record, consumer: name, seq: ++arrivals, at }
      printed.push(entry)
      options.ledger?.record(entry.body)
      options.onPrinted?.(entry)
    }
  })
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const from = performance.now()
    app.child.kill(signal)
    const code = await app.exited
    return { code, ms: Math.round(performance.now() - from) }
  }
  return {
    name,
    app,
    printed,
    strays,
    consuming: () => app.stderr.some((line) => line.includes("consuming ")),
    stop
  }
}

/** Waits until each consumer has started polling (so that they all get a share of what is sent). */
export const allConsuming = (consumers: ReadonlyArray<ConsumerApp>) =>
  waitFor(
    () => consumers.every((consumer) => consumer.consuming() || consumer.app.child.exitCode !== null),
    "the consumers to start polling",
    { timeoutMs: 60_000 }
  ).then(() => {
    for (const consumer of consumers) {
      if (consumer.app.child.exitCode !== null)
        throw new Error(`${consumer.name} exited early: ${consumer.app.stderr.join("\n")}`)
    }
  })

/** The consumer's `consumer stopped: ...` summary line (JSON log or pretty), if it printed one. */
export const stoppedSummary = (consumer: ConsumerApp) =>
  consumer.app.stderr.find((line) => line.includes("consumer stopped:"))

// ---------------------------------------------------------------------------------------------
// The sender app

/** The sender's `--output json` summary. */
export interface SenderSummary {
  readonly queue: string
  readonly sent: number
  readonly failed: number
  readonly seconds?: number
  readonly failures: ReadonlyArray<{
    readonly message: string
    readonly code: string
    readonly reason: string
  }>
}

export interface SenderResult {
  readonly code: number | null
  readonly summary: SenderSummary | undefined
  readonly stdout: ReadonlyArray<string>
  readonly stderr: ReadonlyArray<string>
  readonly ms: number
}

const senderResult = (
  from: number,
  result: { code: number | null; stdout: Array<string>; stderr: Array<string> }
): SenderResult => {
  const json = result.stdout.filter((line) => line.startsWith("{")).at(-1)
  return {
    code: result.code,
    summary: json === undefined ? undefined : (JSON.parse(json) as SenderSummary),
    stdout: result.stdout,
    stderr: result.stderr,
    ms: Math.round(performance.now() - from)
  }
}

/** Runs the sender (`--output json`) against `endpoint` to its end. */
export const runSender = async (endpoint: string, args: ReadonlyArray<string>): Promise<SenderResult> => {
  const from = performance.now()
  return senderResult(from, await runApp("sender", ["--output", "json", ...args], { SQS_ENDPOINT: endpoint }))
}

/** Starts the sender (`--output json`) and returns it running, with its result to come. */
export const spawnSender = (endpoint: string, args: ReadonlyArray<string>) => {
  const from = performance.now()
  const app = track(spawnApp("sender", ["--output", "json", ...args], { SQS_ENDPOINT: endpoint }))
  const result = app.exited.then((code) =>
    senderResult(from, { code, stdout: app.stdout, stderr: app.stderr })
  )
  return { name: "sender", app, result }
}

/** The copy numbers of the messages a sender reported failed (`message 12` is 12). */
export const failedNumbers = (result: SenderResult): Array<number> =>
  (result.summary?.failures ?? []).map((failure) => Number(failure.message.replace(/^message /, "")))

/** A sender's outcome in a few lines, for assertion messages. */
export const describeSender = (result: SenderResult) => {
  const summary = result.summary
  const byCode = new Map<string, number>()
  for (const failure of summary?.failures ?? []) byCode.set(failure.code, (byCode.get(failure.code) ?? 0) + 1)
  return [
    `sender exit ${result.code}, sent ${summary?.sent}, failed ${summary?.failed}`,
    ...[...byCode].map(([code, count]) => {
      const first = summary!.failures.find((failure) => failure.code === code)!
      return `  ${count} failed with ${code} (first: ${first.message}: ${first.reason})`
    }),
    `  last log lines: ${result.stderr.slice(-4).join(" | ")}`
  ].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Figures

/** Prints one scenario's figures on one line (vitest shows it with the test's output). */
export const report = (scenario: string, figures: Record<string, unknown>) => {
  const text = Object.entries(figures)
    .map(([key, value]) => `${key} ${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join(", ")
  console.log(`[reliability] ${scenario}: ${text}`)
}

/** Milliseconds since `from` (a `performance.now()`), rounded. */
export const since = (from: number) => Math.round(performance.now() - from)

/** Seconds, with one decimal, for reports. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`
