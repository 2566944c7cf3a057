/**
 * One run: a contender in its own process (pinned to core 1) against the local SQS process, timed
 * from the server's side, from the contender's first request until the queue is empty (or holds
 * what a producer sent). Only settled messages count: a message a handler finished but SQS has not
 * deleted is still on the queue.
 */
import { spawn } from "node:child_process"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { config } from "./config.ts"
import type { Report } from "./contender.ts"
import { cpuMsOf, machineBusyMs, onCore, peakRssMiBOf } from "./machine.ts"
import type { Contender, Scenario } from "./scenarios.ts"
import type { LocalSqsProcess } from "./server/control.ts"

export interface RunResult {
  /** Messages settled (deleted; for producers, stored) a second. */
  readonly rate: number
  readonly seconds: number
  readonly settled: number
  /** SQS requests by action. */
  readonly requests: Readonly<Record<string, number>>
  readonly requestsPerMessage: number
  /** The contender's CPU (user + system) from its first request to the end, per 1,000 messages. */
  readonly cpuMsPer1k: number
  readonly peakRssMiB: number
  readonly duplicates: number
  readonly latencyMs?: Report["latencyMs"]
  readonly latencyAllMs?: Report["latencyAllMs"]
  /** Stopped at the scenario's cap before it was done. */
  readonly capped: boolean
  /** Cores' worth of CPU that something other than the server, the contender and the harness used. */
  readonly otherCores: number
}

const srcDir = new URL(".", import.meta.url).pathname
const COMPILE_CACHE = join(tmpdir(), "bgcheck-bench-compile-cache")

interface Sample {
  readonly at: number
  readonly contender: number
  readonly server: number
  readonly harness: number
  readonly machine: number
}

const sample = (contenderPid: number, serverPid: number): Sample => ({
  at: Date.now(),
  contender: cpuMsOf(contenderPid),
  server: cpuMsOf(serverPid),
  harness: cpuMsOf(process.pid),
  machine: machineBusyMs()
})

let runs = 0

export const runOnce = async (
  server: LocalSqsProcess,
  scenario: Scenario,
  contender: Contender
): Promise<RunResult> => {
  const queueName = `bench-${process.pid}-${runs++}`
  const queueUrl = await server.create(queueName)
  if (scenario.kind === "drain") await server.fill(queueName, scenario.count)
  const before = await server.requests()
  const watch = await server.watch(
    queueName,
    scenario.kind === "send" ? { kind: "ready", count: scenario.count } : { kind: "empty" },
    scenario.kind === "steady"
      ? { rate: scenario.rate ?? 0, total: scenario.count, warmupMs: scenario.warmupMs ?? 0 }
      : undefined
  )
  const [command, ...args] = onCore(1, [
    process.execPath,
    // Contenders import queue-core's built JavaScript, as its users do (`start` builds it).
    ...(scenario.nodeFlags ?? []),
    ...config.contenderNodeFlags,
    ...(config.profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${config.profileDir}`]),
    `${srcDir}${contender.file}`
  ])
  const child = spawn(command!, args, {
    cwd: new URL("..", import.meta.url).pathname,
    env: {
      PATH: process.env.PATH ?? "",
      // Compiled code shared by the contenders: each starts faster (the runs are timed from their
      // first request, so this changes no figure).
      NODE_COMPILE_CACHE: COMPILE_CACHE,
      ENDPOINT: server.endpoint,
      QUEUE_URL: queueUrl,
      MESSAGES: String(scenario.count),
      ...scenario.env,
      ...contender.env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve))
  const failure = (what: string) =>
    new Error(`${contender.name}: ${what}\n${stderr.split("\n").slice(0, 20).join("\n")}`)
  const pid = child.pid ?? 0

  const started = await Promise.race([
    watch.started,
    exited.then((code) => Promise.reject(failure(`exited with ${code} before its first request`)))
  ])
  const first = sample(pid, server.pid)
  const cap = new Promise<"capped">((resolve) =>
    setTimeout(() => resolve("capped"), scenario.capSeconds * 1000).unref()
  )
  const end = await Promise.race([
    watch.done,
    cap,
    exited.then((code) => Promise.reject(failure(`exited with ${code} before the end`)))
  ])
  const last = sample(pid, server.pid)
  const peakRssMiB = peakRssMiBOf(pid)
  await server.unwatch()
  const counts = await server.counts(queueName)
  const after = await server.requests()

  child.kill("SIGTERM")
  const kill = setTimeout(() => child.kill("SIGKILL"), 5_000)
  await exited
  clearTimeout(kill)
  const report = JSON.parse(
    stdout.split("\n").find((line) => line.startsWith("{")) ?? "null"
  ) as Report | null
  if (report === null) throw failure("printed no report")
  await server.delete(queueName)

  const capped = end === "capped"
  const endedAt = capped ? last.at : end
  const seconds = (endedAt - started) / 1000
  const settled =
    scenario.kind === "send"
      ? counts.ready
      : scenario.count - (counts.ready + counts.delayed + counts.inFlight)
  const requests = Object.fromEntries(
    Object.entries(after)
      .map(([action, n]) => [action, n - (before[action] ?? 0)] as const)
      .filter(([, n]) => n > 0)
  )
  const total = Object.values(requests).reduce((a, b) => a + b, 0)
  const elapsedMs = Math.max(1, last.at - first.at)
  const ours =
    last.contender - first.contender + (last.server - first.server) + (last.harness - first.harness)
  return {
    rate: settled / Math.max(seconds, 0.001),
    seconds,
    settled,
    requests,
    requestsPerMessage: total / Math.max(1, settled),
    cpuMsPer1k: ((last.contender - first.contender) / Math.max(1, settled)) * 1000,
    peakRssMiB,
    duplicates: report.duplicates,
    ...(report.latencyMs === undefined ? {} : { latencyMs: report.latencyMs }),
    ...(report.latencyAllMs === undefined ? {} : { latencyAllMs: report.latencyAllMs }),
    capped,
    otherCores: Math.max(0, (last.machine - first.machine - ours) / elapsedMs)
  }
}
