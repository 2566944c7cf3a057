/**
 * The sender app streaming a file (`sender --file`, one message a line): its peak resident
 * memory, which the README promises does not grow with the count. The app's bundle runs with the
 * apps' memory settings, as `./dev --filter sender start` starts it, against a local SQS of its own.
 */
import { spawn } from "node:child_process"
import { createWriteStream, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { finished } from "node:stream/promises"
import { APP_ENV, APP_NODE_FLAGS } from "@bgcheck/app-kit/app-settings"
import { startLocalSqs } from "./server/control.ts"

export interface SenderAppResult {
  readonly lines: number
  /** Messages the queue holds afterwards: every line, or the run failed. */
  readonly stored: number
  readonly seconds: number
  readonly peakRssMiB: number
}

const app = new URL("../../apps/sender/dist/main.js", import.meta.url).pathname

/** Reports the process's peak RSS (kB) on stderr as it exits: exact, unlike sampling /proc. */
const REPORT_PEAK = `data:text/javascript,process.on("exit",()=>process.stderr.write("peak-rss-kb "+process.resourceUsage().maxRSS+"\\n"))`

/** About 170 bytes a line, as a job record might be. */
const writeLines = async (path: string, lines: number) => {
  const out = createWriteStream(path)
  const payload = "x".repeat(140)
  for (let start = 0; start < lines; start += 10_000) {
    let chunk = ""
    for (let job = start; job < Math.min(start + 10_000, lines); job++)
      chunk += `{"job":${job},"payload":"${payload}"}\n`
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()))
  }
  out.end()
  await finished(out)
}

export const runSenderApp = async (lines: number): Promise<SenderAppResult> => {
  const dir = mkdtempSync(join(tmpdir(), "bench-sender-"))
  const server = await startLocalSqs(0)
  try {
    const file = join(dir, "lines.txt")
    await writeLines(file, lines)
    const queueUrl = await server.create("sender-app")
    const started = Date.now()
    const child = spawn(
      process.execPath,
      [...APP_NODE_FLAGS, `--import=${REPORT_PEAK}`, app, "--file", file],
      {
        env: { PATH: process.env.PATH ?? "", ...APP_ENV, SQS_ENDPOINT: server.endpoint, SQS_QUEUE: queueUrl },
        stdio: ["ignore", "ignore", "pipe"]
      }
    )
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text
    })
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve))
    const seconds = (Date.now() - started) / 1000
    const peak = /peak-rss-kb (\d+)/.exec(stderr)
    if (code !== 0 || peak === null)
      throw new Error(
        `the sender app exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`
      )
    const { ready, delayed, inFlight } = await server.counts("sender-app")
    return { lines, stored: ready + delayed + inFlight, seconds, peakRssMiB: Number(peak[1]) / 1024 }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
