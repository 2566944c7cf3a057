/**
 * `pnpm bench`: SQS consumers side by side, each in its own process, draining the same number of
 * queued messages from a local SQS with the same handler (a 50 ms wait) and the same concurrency.
 * The local SQS runs in this process and counts the requests each contender makes.
 *
 * MESSAGES (default 4000), HANDLER_MS (50) and CONCURRENCY (100) change the scenario.
 */
import { spawn } from "node:child_process"
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs"
import { start } from "@bgcheck/local-sqs"
import type { Report } from "./contenders/report.ts"

const messages = Number(process.env.MESSAGES ?? "4000")
const handlerMs = Number(process.env.HANDLER_MS ?? "50")
const concurrency = Number(process.env.CONCURRENCY ?? "100")

const contenders = [
  { name: "@bgcheck/queue-core", file: "queue-core.ts", concurrency },
  { name: "sqs-consumer ×1 (batchSize 10)", file: "sqs-consumer.ts", concurrency: 10 },
  { name: `sqs-consumer ×${Math.round(concurrency / 10)} instances`, file: "sqs-consumer.ts", concurrency },
  { name: "squiss-ts", file: "squiss-ts.ts", concurrency }
]

const server = await start()
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

const runContender = (file: string, queueUrl: string, contenderConcurrency: number) =>
  new Promise<Report>((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=@bgcheck/source", `src/contenders/${file}`], {
      cwd: new URL("..", import.meta.url).pathname,
      env: {
        PATH: process.env.PATH ?? "",
        ENDPOINT: server.endpoint,
        QUEUE_URL: queueUrl,
        MESSAGES: String(messages),
        HANDLER_MS: String(handlerMs),
        CONCURRENCY: String(contenderConcurrency)
      },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000)
    child.once("close", (code) => {
      clearTimeout(timer)
      const line = output.split("\n").find((l) => l.startsWith("{"))
      if (code === 0 && line !== undefined) resolve(JSON.parse(line) as Report)
      else reject(new Error(`${file} exited with ${code}: ${output}`))
    })
  })

console.log(
  `Draining ${messages} messages, handler ${handlerMs} ms, concurrency ${concurrency}, local SQS at ${server.endpoint}\n`
)
const rows: Array<Record<string, string>> = []
for (const [index, contender] of contenders.entries()) {
  const queue = server.createQueue({ name: `bench-${index}` })
  await fill(queue.url)
  server.resetRequestCounts()
  const report = await runContender(contender.file, queue.url, contender.concurrency)
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
sqs.destroy()
await server.stop()
