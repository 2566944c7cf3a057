/**
 * `pnpm bench`: SQS consumers and producers side by side, each in its own process, against a
 * local SQS that runs in this process and counts the requests each one makes.
 *
 * - Consumers drain the same number of queued messages with the same handler (a 50 ms wait) and
 *   the same concurrency. MESSAGES (default 4000), HANDLER_MS (50), CONCURRENCY (100).
 * - Producers send SEND_MESSAGES (default 20000) messages of about 200 bytes.
 *
 * - Steady load: STEADY_RATE (default 2000) messages a second for STEADY_SECONDS (10), handler
 *   0 ms: requests per message and latency percentiles after 2 s of warm-up.
 *
 * - Idle: requests a minute of each consumer on an empty queue for IDLE_SECONDS (60).
 *
 * BENCH=consume, BENCH=steady, BENCH=idle or BENCH=send runs only one part. LATENCY_MS (default 0) adds that much to
 * every request the local SQS answers, as a real SQS region's round trip would (about 20).
 */
import { spawn } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs"
import { start } from "@bgcheck/local-sqs"
import type { Report } from "./contenders/report.ts"

const messages = Number(process.env.MESSAGES ?? "4000")
const handlerMs = Number(process.env.HANDLER_MS ?? "50")
const concurrency = Number(process.env.CONCURRENCY ?? "100")
const latencyMs = Number(process.env.LATENCY_MS ?? "0")

interface Contender {
  readonly name: string
  readonly file: string
  readonly concurrency: number
  /** Extra environment, e.g. SQS_TRANSPORT=sdk to run queue-core on the AWS SDK's pipeline. */
  readonly env?: Record<string, string>
}

const SDK_TRANSPORT = { SQS_TRANSPORT: "sdk" }

const contenders: ReadonlyArray<Contender> = [
  { name: "@bgcheck/queue-core", file: "queue-core.ts", concurrency },
  { name: "@bgcheck/queue-core, sdk transport", file: "queue-core.ts", concurrency, env: SDK_TRANSPORT },
  { name: "sqs-consumer ×1 (batchSize 10)", file: "sqs-consumer.ts", concurrency: 10 },
  { name: `sqs-consumer ×${Math.round(concurrency / 10)} instances`, file: "sqs-consumer.ts", concurrency },
  { name: "squiss-ts", file: "squiss-ts.ts", concurrency }
]

const server = await start({ latencyMs })
const sqs = new SQSClient({
  endpoint: server.endpoint,
  region: server.region,
  credentials: { accessKeyId: "local", secretAccessKey: "local" }
})

const fill = async (queueUrl: string) => {
  const batches = Array.from({ length: Math.ceil(messages / 10) }, (_, b) =>
    Array.from({ length: Math.min(10, messages - b * 10) }, (_, i) => ({
      Id: String(i),
      MessageBody: JSON.stringify({ job: b * 10 + i, payload: "x".repeat(200) })
    }))
  )
  for (let i = 0; i < batches.length; i += 20) {
    await Promise.all(
      batches
        .slice(i, i + 20)
        .map((Entries) => sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries })))
    )
  }
}

/** Starts a contender on its own process; `report` settles when it exits. */
const spawnContender = (
  file: string,
  queueUrl: string,
  contenderConcurrency: number,
  count = messages,
  extraEnv: Record<string, string> = {}
) => {
  const child = spawn(process.execPath, ["--conditions=@bgcheck/source", `src/${file}`], {
    cwd: new URL("..", import.meta.url).pathname,
    env: {
      PATH: process.env.PATH ?? "",
      ENDPOINT: server.endpoint,
      QUEUE_URL: queueUrl,
      MESSAGES: String(count),
      HANDLER_MS: String(handlerMs),
      CONCURRENCY: String(contenderConcurrency),
      ...extraEnv
    },
    stdio: ["ignore", "pipe", "inherit"]
  })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const report = new Promise<Report>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000)
    child.once("close", (code) => {
      clearTimeout(timer)
      const line = output.split("\n").find((l) => l.startsWith("{"))
      if (code === 0 && line !== undefined) resolve(JSON.parse(line) as Report)
      else reject(new Error(`${file} exited with ${code}: ${output}`))
    })
  })
  return { child, report }
}

/** Runs a contender until it has handled (or sent) `count` messages, and returns its report. */
const runContender = (...args: Parameters<typeof spawnContender>) => spawnContender(...args).report

console.log(
  `Draining ${messages} messages, handler ${handlerMs} ms, concurrency ${concurrency}, local SQS at ${server.endpoint}` +
    `${latencyMs > 0 ? ` answering ${latencyMs} ms later` : ""}\n`
)
const only = process.env.BENCH // "consume" or "send" runs one half
const rows: Array<Record<string, string>> = []
for (const [index, contender] of (only === undefined || only === "consume" ? contenders : []).entries()) {
  const queue = server.createQueue({ name: `bench-${index}` })
  await fill(queue.url)
  server.resetRequestCounts()
  const report = await runContender(
    `contenders/${contender.file}`,
    queue.url,
    contender.concurrency,
    messages,
    contender.env
  )
  const counts = server.requestCounts()
  const requests = Object.values(counts).reduce((a, b) => a + b, 0)
  const left = server.inspect(queue.name)
  rows.push({
    consumer: contender.name,
    "messages/s": (report.handled / report.seconds).toFixed(0),
    "requests/message": (requests / messages).toFixed(3),
    receives: String(counts.ReceiveMessage ?? 0),
    deletes: String((counts.DeleteMessage ?? 0) + (counts.DeleteMessageBatch ?? 0)),
    "CPU ms/1k msgs": ((report.cpuMs / messages) * 1000).toFixed(0),
    "peak RSS MiB": report.maxRssMiB.toFixed(0),
    "left in queue": String((left?.ready ?? 0) + (left?.inFlight ?? 0))
  })
  console.log(`  ${contender.name}: done`)
}
console.log()
console.table(rows)

const steadyRate = Number(process.env.STEADY_RATE ?? "2000")
const steadySeconds = Number(process.env.STEADY_SECONDS ?? "10")
const STEADY_WARMUP_MS = 2_000
const warmupFile = (index: number) => join(tmpdir(), `bench-steady-warmup-${process.pid}-${index}`)
const steadyRows: Array<Record<string, string>> = []
if (only === undefined || only === "steady") {
  console.log(
    `\nSteady load: ${steadyRate} messages/s for ${steadySeconds} s, handler 0 ms, concurrency ${concurrency}; ` +
      `latency from a message's enqueue to its handling, after ${STEADY_WARMUP_MS / 1000} s of warm-up\n`
  )
  const total = steadyRate * steadySeconds
  for (const [index, contender] of contenders.entries()) {
    const queue = server.createQueue({ name: `bench-steady-${index}` })
    server.resetRequestCounts()
    const running = runContender(`contenders/${contender.file}`, queue.url, contender.concurrency, total, {
      ...contender.env,
      HANDLER_MS: "0",
      // Read by the contender once it starts; set below, once it polls.
      WARMUP_FILE: warmupFile(index)
    })
    // The flow starts once the contender polls, so that its start-up is not counted as latency.
    while ((server.requestCounts().ReceiveMessage ?? 0) === 0) await new Promise((r) => setTimeout(r, 5))
    const startedAt = Date.now()
    writeFileSync(warmupFile(index), String(startedAt + STEADY_WARMUP_MS))
    // Put messages on the queue at the rate, straight into the server (no producer in the way).
    let enqueued = 0
    while (enqueued < total) {
      const due = Math.min(total, Math.floor(((Date.now() - startedAt) / 1000) * steadyRate))
      if (due > enqueued) {
        const now = Date.now()
        server.enqueue(
          queue.name,
          Array.from({ length: due - enqueued }, (_, i) =>
            JSON.stringify({ job: enqueued + i, sentAt: now, payload: "x".repeat(150) })
          )
        )
        enqueued = due
      }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const report = await running
    rmSync(warmupFile(index), { force: true })
    const counts = server.requestCounts()
    const requests = Object.values(counts).reduce((a, b) => a + b, 0)
    steadyRows.push({
      consumer: contender.name,
      "requests/message": (requests / total).toFixed(3),
      "receives/message": ((counts.ReceiveMessage ?? 0) / total).toFixed(3),
      "deletes/message": (((counts.DeleteMessage ?? 0) + (counts.DeleteMessageBatch ?? 0)) / total).toFixed(
        3
      ),
      "p50 ms": String(report.latencyMs?.p50 ?? "-"),
      "p95 ms": String(report.latencyMs?.p95 ?? "-"),
      "p99 ms": String(report.latencyMs?.p99 ?? "-"),
      "CPU ms/1k msgs": ((report.cpuMs / total) * 1000).toFixed(0)
    })
    console.log(`  ${contender.name}: done`)
  }
  console.log()
  console.table(steadyRows)
}

const idleSeconds = Number(process.env.IDLE_SECONDS ?? "60")
const idleRows: Array<Record<string, string>> = []
if (only === undefined || only === "idle") {
  console.log(`\nIdle: an empty queue for ${idleSeconds} s, each consumer at its default wait\n`)
  for (const [index, contender] of contenders.entries()) {
    const queue = server.createQueue({ name: `bench-idle-${index}` })
    // It never reaches its count: stopped below once measured.
    const { child, report } = spawnContender(
      `contenders/${contender.file}`,
      queue.url,
      contender.concurrency,
      1_000_000,
      {
        ...contender.env,
        HANDLER_MS: "0"
      }
    )
    const stopped = report.catch(() => undefined)
    // Counted from its first receive, so that start-up does not matter.
    while ((server.requestCounts().ReceiveMessage ?? 0) === 0) await new Promise((r) => setTimeout(r, 5))
    server.resetRequestCounts()
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000))
    const receives = server.requestCounts().ReceiveMessage ?? 0
    child.kill("SIGKILL")
    await stopped
    idleRows.push({
      consumer: contender.name,
      "receives per minute": ((receives / idleSeconds) * 60).toFixed(1)
    })
    console.log(`  ${contender.name}: done`)
  }
  console.log()
  console.table(idleRows)
}

const sendMessages = Number(process.env.SEND_MESSAGES ?? "20000")
const producers: ReadonlyArray<Omit<Contender, "concurrency">> = [
  { name: "@bgcheck/queue-core sendAll (stream)", file: "queue-core-bulk.ts" },
  { name: "@bgcheck/queue-core sendAll, sdk transport", file: "queue-core-bulk.ts", env: SDK_TRANSPORT },
  { name: "@bgcheck/queue-core send ×100 at once", file: "queue-core-send.ts" },
  { name: "sqs-producer send(array)", file: "sqs-producer.ts" }
]
console.log(`\nSending ${sendMessages} messages of about 200 bytes\n`)
const sendRows: Array<Record<string, string>> = []
for (const [index, producer] of (only === undefined || only === "send" ? producers : []).entries()) {
  const queue = server.createQueue({ name: `bench-send-${index}` })
  server.resetRequestCounts()
  const report = await runContender(`producers/${producer.file}`, queue.url, 0, sendMessages, producer.env)
  const counts = server.requestCounts()
  const requests = Object.values(counts).reduce((a, b) => a + b, 0)
  sendRows.push({
    producer: producer.name,
    "messages/s": (report.handled / report.seconds).toFixed(0),
    "requests/message": (requests / sendMessages).toFixed(3),
    "CPU ms/1k msgs": ((report.cpuMs / sendMessages) * 1000).toFixed(0),
    "peak RSS MiB": report.maxRssMiB.toFixed(0),
    "in queue": String(server.inspect(queue.name)?.ready ?? 0)
  })
  console.log(`  ${producer.name}: done`)
}
console.log()
console.table(sendRows)
sqs.destroy()
await server.stop()

// A contender that left messages behind, or a producer that did not store them all, failed.
const incomplete = [
  ...rows.filter((row) => row["left in queue"] !== "0").map((row) => row.consumer),
  ...sendRows.filter((row) => row["in queue"] !== String(sendMessages)).map((row) => row.producer)
]
if (incomplete.length > 0) {
  console.error(`incomplete: ${incomplete.join(", ")}`)
  process.exitCode = 1
}
