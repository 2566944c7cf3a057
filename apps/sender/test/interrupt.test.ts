/**
 * The sender stopped by a signal in the middle of a file, as a process against a local SQS over
 * HTTP: it stops taking lines, lets the requests in flight be answered, prints what was sent and
 * where to resume, and exits 130 (SIGINT) or 143 (SIGTERM); a second SIGINT abandons the requests
 * in flight at once. The messages in the queue are checked against what it reports, line by line.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type AppProcess, runApp, spawnApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { QueueServices, Queues, SqsClient } from "@bgcheck/queue-core"
import { Effect, Schedule } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

const QUEUE = "BackgroundCheckApp"

/** The input files of this run, removed after it. */
const workDir = mkdtempSync(join(tmpdir(), "sender-interrupt-"))
afterAll(() => rmSync(workDir, { recursive: true, force: true }))

/** 6,000 lines `job N` (N its line number), every 500th line empty: lines are not messages. */
const writeJobs = (name: string) => {
  const lines = Array.from({ length: 6000 }, (_, i) => ((i + 1) % 500 === 0 ? "" : `job ${i + 1}`))
  const path = join(workDir, `${name}.txt`)
  writeFileSync(path, `${lines.join("\n")}\n`)
  return { path, lines, messages: lines.filter((line) => line !== "").length }
}

/** The messages lines `from` to `to` (1-based, inclusive) make. */
const jobsOf = (lines: ReadonlyArray<string>, from: number, to = lines.length) =>
  lines.slice(from - 1, to).filter((line) => line !== "")

/** Resolves once `condition` holds (checked every 10 ms); fails if the app exits first or after 30 s. */
const waitUntil = async (condition: () => boolean, what: string, app: AppProcess) => {
  const started = performance.now()
  while (!condition()) {
    if (app.child.exitCode !== null)
      throw new Error(`the sender exited while waiting for ${what}: ${app.stderr.join(" | ")}`)
    if (performance.now() - started > 30_000)
      throw new Error(`timed out waiting for ${what}: ${app.stderr.join(" | ")}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** The bodies of every message on the queue, received (and hidden) until none is left. */
const receiveAll = (endpoint: string): Promise<Array<string>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sqs = yield* SqsClient.SqsClient
      const queue = yield* (yield* Queues.Queues).resolve(QUEUE)
      const bodies: Array<string> = []
      const drain: Effect.Effect<void, unknown> = Effect.flatMap(
        sqs.receiveMessage({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
        (received) => {
          for (const message of received.Messages ?? []) bodies.push(message.Body ?? "")
          return (received.Messages ?? []).length === 0 ? Effect.void : drain
        }
      )
      yield* Effect.all(
        Array.from({ length: 4 }, () => drain),
        { concurrency: "unbounded", discard: true }
      )
      return bodies
    }).pipe(Effect.provide(QueueServices.layer({ endpoint, retrySchedule: Schedule.recurs(0) })))
  )

const sorted = (bodies: ReadonlyArray<string>) =>
  bodies.toSorted((a, b) => Number(a.split(" ")[1]) - Number(b.split(" ")[1]))

/** What `tail -n +N PATH` prints: the hint the sender gives, run as given. */
const tailFrom = (path: string, from: number) =>
  spawnSync("tail", ["-n", `+${from}`, path], { encoding: "utf8" }).stdout

describe("the sender stopped by a signal, as a process", { timeout: 50_000 }, () => {
  let server: LocalSqsServer
  let env: Record<string, string>
  beforeAll(async () => {
    server = await start({ queues: BACKGROUND_CHECK_QUEUES })
    env = { SQS_ENDPOINT: server.endpoint }
  })
  afterAll(() => server.stop())
  beforeEach(() => {
    server.reset()
    server.clearFaults()
  })
  const ready = () => server.inspect(QUEUE)?.ready ?? 0

  /** Starts the sender on the file, as slow as a real region, and signals it once 1,000 messages are stored. */
  const interrupted = async (path: string, args: ReadonlyArray<string>, signal: NodeJS.Signals) => {
    server.injectFaults({ action: "SendMessageBatch", latencyMs: 20 })
    const running = spawnApp("sender", ["--file", path, ...args], env)
    await waitUntil(() => ready() >= 1000, "1,000 messages stored", running)
    running.child.kill(signal)
    const code = await running.exited
    server.clearFaults()
    return { code, running }
  }

  it("stops on SIGINT with the requests in flight answered, says where to resume, and exits 130", async () => {
    const { path, lines, messages } = writeJobs("sigint-text")
    const { code, running } = await interrupted(path, [], "SIGINT")
    const stderr = running.stderr.join("\n")
    expect(code, stderr).toBe(130)
    const counts = /stopped by SIGINT: (\d+) sent, 0 failed, (\d+) not sent to BackgroundCheckApp/.exec(
      stderr
    )
    expect(counts, stderr).not.toBeNull()
    const [sent, notSent] = [Number(counts![1]), Number(counts![2])]
    expect(sent).toBeGreaterThanOrEqual(1000)
    expect(sent + notSent).toBe(messages)
    expect(notSent, "stopped in the middle").toBeGreaterThan(0)
    // What the queue holds is what was reported sent: nothing in flight was lost or half-sent.
    expect(ready()).toBe(sent)
    const through = Number(/every line through line (\d+) was sent/.exec(stderr)?.[1])
    expect(stderr).toContain(`tail -n +${through + 1} ${path} | sender --file -`)
    expect(sorted(await receiveAll(server.endpoint))).toEqual(jobsOf(lines, 1, through))

    // Resuming as the hint says sends the rest: every line once, none missing.
    const rest = join(workDir, "sigint-rest.txt")
    writeFileSync(rest, tailFrom(path, through + 1))
    const resumed = await runApp("sender", ["--file", rest, "--output", "json"], env)
    expect(resumed.code, resumed.stderr.join("\n")).toBe(0)
    expect(JSON.parse(resumed.stdout[0]!)).toMatchObject({ sent: notSent, failed: 0, interrupted: false })
    expect(sorted(await receiveAll(server.endpoint))).toEqual(jobsOf(lines, through + 1))
  })

  it("reports a stop on SIGINT as JSON, with the line to resume from", async () => {
    const { path, lines, messages } = writeJobs("sigint-json")
    const { code, running } = await interrupted(path, ["--output", "json"], "SIGINT")
    expect(code, running.stderr.join("\n")).toBe(130)
    const summary = JSON.parse(running.stdout[0]!)
    expect(summary).toMatchObject({
      queue: QUEUE,
      failed: 0,
      total: messages,
      interrupted: true,
      signal: "SIGINT",
      abandoned: 0,
      duplicatesOnResume: 0,
      resumeFromLine: summary.sentThroughLine + 1
    })
    expect(summary.sent + summary.notSent).toBe(messages)
    expect(summary.notSent).toBeGreaterThan(0)
    expect(ready()).toBe(summary.sent)
    expect(sorted(await receiveAll(server.endpoint))).toEqual(jobsOf(lines, 1, summary.sentThroughLine))

    // The rest through stdin, as `tail -n +N FILE | sender --file -`.
    const resumed = spawnApp("sender", ["--file", "-", "--output", "json"], env)
    resumed.child.stdin.end(tailFrom(path, summary.resumeFromLine))
    expect(await resumed.exited, resumed.stderr.join("\n")).toBe(0)
    expect(JSON.parse(resumed.stdout[0]!)).toMatchObject({ sent: summary.notSent, failed: 0 })
    expect(sorted(await receiveAll(server.endpoint))).toEqual(jobsOf(lines, summary.resumeFromLine))
  })

  it("stops the same way on SIGTERM and exits 143", async () => {
    const { path, messages } = writeJobs("sigterm")
    const { code, running } = await interrupted(path, ["--output", "json"], "SIGTERM")
    expect(code, running.stderr.join("\n")).toBe(143)
    const summary = JSON.parse(running.stdout[0]!)
    expect(summary).toMatchObject({ interrupted: true, signal: "SIGTERM", abandoned: 0 })
    expect(summary.sent + summary.notSent).toBe(messages)
    expect(ready()).toBe(summary.sent)
  })

  it("abandons the requests in flight on a second SIGINT, says their messages may or may not be stored, and exits 130", async () => {
    // A server of its own: the sends it is left answering would land in the next test's queue.
    const slow = await start({ queues: BACKGROUND_CHECK_QUEUES })
    const stored = () => slow.inspect(QUEUE)?.ready ?? 0
    const sends = () => slow.requestCounts().SendMessageBatch ?? 0
    try {
      const { path, messages } = writeJobs("sigint-twice")
      const running = spawnApp("sender", ["--file", path], { SQS_ENDPOINT: slow.endpoint })
      await waitUntil(() => stored() >= 1000, "1,000 messages stored", running)
      // From now on SQS takes 20 s to answer a send: the clean stop would wait that long.
      slow.injectFaults({ action: "SendMessageBatch", latencyMs: 20_000 })
      const before = sends()
      await waitUntil(() => sends() > before, "a slow send in flight", running)
      running.child.kill("SIGINT")
      await waitUntil(
        () => running.stderr.some((line) => line.includes("stopping")),
        "the stop to begin",
        running
      )
      running.child.kill("SIGINT")
      const code = await running.exited
      const stderr = running.stderr.join("\n")
      expect(code, stderr).toBe(130)
      expect(stderr).toContain("SIGINT again: abandoning the requests in flight")
      const counts =
        /stopped by SIGINT: (\d+) sent, 0 failed, (\d+) not sent, (\d+) abandoned to BackgroundCheckApp/.exec(
          stderr
        )
      expect(counts, stderr).not.toBeNull()
      const [sent, notSent, abandoned] = [Number(counts![1]), Number(counts![2]), Number(counts![3])]
      expect(abandoned).toBeGreaterThan(0)
      expect(sent + notSent + abandoned).toBe(messages)
      expect(stderr).toContain(`SQS may or may not have stored their ${abandoned} messages`)
      // Sent messages are in the queue; abandoned ones may be, or not.
      expect(stored()).toBeGreaterThanOrEqual(sent)
      expect(stored()).toBeLessThanOrEqual(sent + abandoned)
    } finally {
      await slow.stop()
    }
  })
})
