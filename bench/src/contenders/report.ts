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
}

export const settings = {
  endpoint: process.env.ENDPOINT ?? "",
  queueUrl: process.env.QUEUE_URL ?? "",
  messages: Number(process.env.MESSAGES ?? "0"),
  handlerMs: Number(process.env.HANDLER_MS ?? "0"),
  concurrency: Number(process.env.CONCURRENCY ?? "1")
}

export const credentials = { accessKeyId: "local", secretAccessKey: "local" }

/** Counts handled messages; prints the report and calls `stop` once all are handled. */
export const counter = (stop: () => Promise<void> | void) => {
  let handled = 0
  let firstAt = 0
  return () => {
    if (handled === 0) firstAt = performance.now()
    handled++
    if (handled !== settings.messages) return
    const seconds = (performance.now() - firstAt) / 1000
    const cpu = process.cpuUsage()
    const report: Report = {
      handled,
      seconds,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMiB: process.resourceUsage().maxRSS / 1024
    }
    // Give the last deletes time to leave before stopping.
    setTimeout(() => {
      process.stdout.write(`${JSON.stringify(report)}\n`)
      Promise.resolve(stop()).then(() => process.exit(0))
    }, 500)
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
