/**
 * Test support for the apps: a local SQS over real HTTP with the services pointed at it, and a
 * way to run an app as a real process and talk to it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { type Producer, QueueServices, type Queues, type SqsClient } from "@bgcheck/queue-core"
import { Context, Effect, Layer, References, Schedule } from "effect"
import { APP_ENV, APP_NODE_FLAGS } from "./appSettings.ts"

export class LocalSqs extends Context.Service<LocalSqs, LocalSqsServer>()("test/LocalSqs") {
  static readonly layer = Layer.effect(
    LocalSqs,
    Effect.acquireRelease(
      Effect.promise(() => start({ queues: BACKGROUND_CHECK_QUEUES })),
      (server) => Effect.promise(() => server.stop())
    )
  )
}

/** SqsClient, Queues and Producer against a fresh local SQS (with the lab's queues), plus the server. */
export const LocalSqsServices: Layer.Layer<
  LocalSqs | Producer.Producer | Queues.Queues | SqsClient.SqsClient,
  unknown
> = Layer.unwrap(
  Effect.map(LocalSqs, (server) =>
    QueueServices.layer({ endpoint: server.endpoint, retrySchedule: Schedule.recurs(0) })
  )
).pipe(
  Layer.provideMerge(LocalSqs.layer),
  Layer.provideMerge(Layer.succeed(References.MinimumLogLevel, "Warn"))
)

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

/** An app started as a process, with its output collected line by line. */
export interface AppProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdout: Array<string>
  readonly stderr: Array<string>
  /** Every line of stdout and stderr, in the order they arrived. */
  readonly output: Array<string>
  /** Resolves with the first stdout line that satisfies `predicate` (or rejects after `timeoutMs`). */
  readonly waitForLine: (predicate: (line: string) => boolean, timeoutMs?: number) => Promise<string>
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
}

/** A preload that makes the app print `local-sqs loaded` on stderr at exit if it loaded the embedded local SQS. */
export const REPORT_LOCAL_SQS_LOAD = fileURLToPath(new URL("./reportLocalSqsLoad.ts", import.meta.url))

/**
 * Starts `apps/<app>/dist/main.js` on the current Node, the way `pnpm --filter <app> start` does
 * once it has built the app (the apps' vitest configs build what is stale first, `buildApps.ts`).
 */
export const spawnApp = (
  app: string,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  options: { readonly preload?: string } = {}
): AppProcess => {
  const child = spawn(
    process.execPath,
    [
      // As scripts/start-app.sh starts them.
      ...APP_NODE_FLAGS,
      ...(options.preload === undefined ? [] : [`--import=${options.preload}`]),
      `apps/${app}/dist/main.js`,
      ...args
    ],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...APP_ENV, ...env }
    }
  )
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const output: Array<string> = []
  const listeners = new Set<() => void>()
  const collect = (into: Array<string>) => {
    let partial = ""
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString("utf8")).split("\n")
      partial = parts.pop() ?? ""
      into.push(...parts)
      output.push(...parts)
      for (const listener of listeners) listener()
    }
  }
  child.stdout.on("data", collect(stdout))
  child.stderr.on("data", collect(stderr))
  // "close" rather than "exit": it comes after the output streams have ended.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)))
  const waitForLine = (predicate: (line: string) => boolean, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = stdout.find(predicate)
        if (found === undefined) return
        listeners.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => {
        listeners.delete(check)
        reject(
          new Error(
            `no matching line from ${app} within ${timeoutMs} ms; stdout: ${stdout.join("\n")}; stderr: ${stderr.join("\n")}`
          )
        )
      }, timeoutMs)
      listeners.add(check)
      check()
    })
  return { child, stdout, stderr, output, waitForLine, exited }
}

/** Runs an app to completion. */
export const runApp = (
  app: string,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  options: { readonly preload?: string } = {}
) => {
  const running = spawnApp(app, args, env, options)
  return running.exited.then((code) => ({ code, stdout: running.stdout, stderr: running.stderr }))
}

/**
 * Resolves once `check` holds (polled every 100 ms; a check that throws counts as not yet), or
 * rejects after `timeoutMs` naming `what`.
 */
export const until = async (
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
