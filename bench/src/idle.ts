/**
 * Idle consumers: each on its own empty queue, in its own local SQS process (so that requests are
 * counted per consumer), all at once; receives a minute counted from each one's first request.
 */
import { spawn } from "node:child_process"
import type { Contender } from "./scenarios.ts"
import { startLocalSqs } from "./server/control.ts"

export interface IdleResult {
  readonly name: string
  readonly receivesPerMinute: number
}

const srcDir = new URL(".", import.meta.url).pathname

const idleOne = async (contender: Contender, seconds: number): Promise<IdleResult> => {
  const server = await startLocalSqs(0)
  try {
    const queueUrl = await server.create("idle")
    const watch = await server.watch("idle", { kind: "ready", count: 1 })
    const child = spawn(process.execPath, ["--conditions=@bgcheck/source", `${srcDir}${contender.file}`], {
      env: { PATH: process.env.PATH ?? "", ENDPOINT: server.endpoint, QUEUE_URL: queueUrl, ...contender.env },
      stdio: ["ignore", "ignore", "inherit"]
    })
    const exited = new Promise((resolve) => child.once("close", resolve))
    await watch.started
    const before = (await server.requests()).ReceiveMessage ?? 0
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    const receives = ((await server.requests()).ReceiveMessage ?? 0) - before
    child.kill("SIGTERM")
    await exited
    return { name: contender.name, receivesPerMinute: (receives / seconds) * 60 }
  } finally {
    await server.stop()
  }
}

export const runIdle = (contenders: ReadonlyArray<Contender>, seconds: number) =>
  Promise.all(contenders.map((contender) => idleOne(contender, seconds)))
