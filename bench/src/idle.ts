/**
 * Idle consumers: each on its own empty queue, in its own local SQS process (so that requests are
 * counted per consumer), all at once; receives a minute counted from each one's first request.
 */
import { spawn } from "node:child_process"
import { APP_ENV, APP_NODE_FLAGS } from "@bgcheck/app-kit/app-settings"
import { rssMiBOf } from "./machine.ts"
import type { Contender } from "./scenarios.ts"
import { startLocalSqs } from "./server/control.ts"

export interface IdleResult {
  readonly name: string
  readonly receivesPerMinute: number
  /** Resident memory at the end of the watch, started with Node's defaults and with the apps' flags. */
  readonly rssMiB: number
  readonly rssAppFlagsMiB: number
}

const srcDir = new URL(".", import.meta.url).pathname

const idleOne = async (
  contender: Contender,
  seconds: number,
  flags: ReadonlyArray<string>,
  appEnv: Readonly<Record<string, string>>
) => {
  const server = await startLocalSqs(0)
  try {
    const queueUrl = await server.create("idle")
    const watch = await server.watch("idle", { kind: "ready", count: 1 })
    // queue-core's built JavaScript, as in the other scenarios (see run.ts).
    const child = spawn(process.execPath, [...flags, `${srcDir}${contender.file}`], {
      // The apps' names for the endpoint and the queue too (SQS_ENDPOINT, SQS_QUEUE).
      env: {
        PATH: process.env.PATH ?? "",
        ENDPOINT: server.endpoint,
        QUEUE_URL: queueUrl,
        SQS_ENDPOINT: server.endpoint,
        SQS_QUEUE: queueUrl,
        ...appEnv,
        ...contender.env
      },
      stdio: ["ignore", "ignore", "inherit"]
    })
    const exited = new Promise((resolve) => child.once("close", resolve))
    await watch.started
    const before = (await server.requests()).ReceiveMessage ?? 0
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    const receives = ((await server.requests()).ReceiveMessage ?? 0) - before
    const rssMiB = rssMiBOf(child.pid ?? 0)
    child.kill("SIGTERM")
    await exited
    return { receivesPerMinute: (receives / seconds) * 60, rssMiB }
  } finally {
    await server.stop()
  }
}

/** Every contender twice at once: with Node's defaults, and with the apps' memory settings. */
export const runIdle = (contenders: ReadonlyArray<Contender>, seconds: number) =>
  Promise.all(
    contenders.map(async (contender): Promise<IdleResult> => {
      const [plain, tuned] = await Promise.all([
        idleOne(contender, seconds, [], {}),
        idleOne(contender, seconds, APP_NODE_FLAGS, APP_ENV)
      ])
      return {
        name: contender.name,
        receivesPerMinute: plain.receivesPerMinute,
        rssMiB: plain.rssMiB,
        rssAppFlagsMiB: tuned.rssMiB
      }
    })
  )
