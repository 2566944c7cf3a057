/**
 * `pnpm demo`: the lab end to end on an embedded local SQS, with the real apps as processes.
 *
 * Terminal 1 of the lab runs the consumer (receive.py); terminal 2 runs the sender (send.py) and
 * the status reporter (update_status.py). Here both "terminals" are child processes whose output
 * is shown with a prefix. The demo exits 0 when the consumer received all four messages and then
 * shut down cleanly on SIGTERM.
 */
import { spawnApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, start } from "@bgcheck/local-sqs"
import { QueueServices, Queues } from "@bgcheck/queue-core"
import { Effect } from "effect"

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)
const step = (text: string) => console.log(`\n${bold(`▸ ${text}`)}`)
const show = (prefix: string, lines: ReadonlyArray<string>) => {
  for (const line of lines) if (line.trim() !== "") console.log(`  ${prefix} │ ${line}`)
}

const server = await start({ queues: BACKGROUND_CHECK_QUEUES })
const env = { SQS_ENDPOINT: server.endpoint }
let failed = false
const check = (ok: boolean, what: string) => {
  console.log(`  ${ok ? "✔" : "✘"} ${what}`)
  if (!ok) failed = true
}

try {
  step(`An embedded local SQS listens on ${server.endpoint} (what \`pnpm local-sqs\` runs on port 4566)`)
  const services = QueueServices.layer({ endpoint: server.endpoint })
  const urls = await Effect.runPromise(
    Effect.flatMap(Queues.Queues, (queues) => queues.list()).pipe(Effect.provide(services))
  )
  show("list-queues", urls)

  step("Terminal 1: pnpm --filter consumer start   (the lab's receive.py)")
  const consumer = spawnApp("consumer", ["--wait", "2s"], env)
  let shown = 0
  const showConsumer = () => {
    show("consumer", consumer.output.slice(shown))
    shown = consumer.output.length
  }
  await consumer.waitForLine(() => true, 1_000).catch(() => undefined)
  showConsumer()

  step("Terminal 2: pnpm --filter sender start   (the lab's send.py)")
  const sender = spawnApp("sender", [], env)
  const senderCode = await sender.exited
  show("sender", sender.output)
  check(senderCode === 0, "the sender sent Hello World")

  step(
    "Terminal 2: pnpm --filter status-reporter start --interval 1s   (the lab's update_status.py, 8 s apart there)"
  )
  const reporter = spawnApp("status-reporter", ["--interval", "1s"], env)
  const reporterCode = await reporter.exited
  show("status-reporter", reporter.output)
  check(reporterCode === 0, "the status reporter sent the job's three statuses")

  step("Terminal 1: what the consumer printed")
  await consumer.waitForLine((line) => line.includes('"status":"completed"'), 15_000).catch(() => undefined)
  showConsumer()
  const bodies = consumer.stdout.map((line) => line.replace(/^\[[^\]]+\] /, ""))
  const statuses = bodies.slice(1).map((body) => (JSON.parse(body) as { status: string }).status)
  check(bodies[0] === "Hello World", "the consumer received Hello World")
  check(
    JSON.stringify(statuses) === JSON.stringify(["not-started", "started", "completed"]),
    "the consumer received the three statuses, in order"
  )

  step("Terminal 1: Ctrl-C (SIGTERM) stops the consumer: the poll in flight completes, nothing is lost")
  consumer.child.kill("SIGTERM")
  const consumerCode = await consumer.exited
  showConsumer()
  check(consumerCode === 0, "the consumer exited 0")
  const left = server.inspect("BackgroundCheckApp")
  check(left?.ready === 0 && left.inFlight === 0, "BackgroundCheckApp is empty: every message was deleted")
} catch (error) {
  failed = true
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  await server.stop()
}

console.log(failed ? "\nThe demo failed." : "\nThe lab ran end to end.")
process.exit(failed ? 1 : 0)
