/**
 * The harness's side of the local SQS process: starts it (pinned to core 0 when pinning), and
 * turns its IPC messages into promises.
 */
import { spawn } from "node:child_process"
import { onCore } from "../machine.ts"
import type { Event, Request, Until } from "./protocol.ts"

type Body<R> = R extends unknown ? Omit<R, "id"> : never

export interface Watch {
  /** When the contender made its first request (epoch ms, server clock). */
  readonly started: Promise<number>
  /** When the queue reached `until` (epoch ms). */
  readonly done: Promise<number>
}

export interface LocalSqsProcess {
  readonly endpoint: string
  readonly pid: number
  create(name: string): Promise<string>
  fill(name: string, count: number): Promise<void>
  counts(name: string): Promise<{ ready: number; delayed: number; inFlight: number }>
  requests(): Promise<Record<string, number>>
  delete(name: string): Promise<void>
  watch(
    name: string,
    until: Until,
    flow?: { readonly rate: number; readonly total: number; readonly warmupMs: number }
  ): Promise<Watch>
  unwatch(): Promise<void>
  stop(): Promise<void>
}

export const startLocalSqs = async (latencyMs: number): Promise<LocalSqsProcess> => {
  const [command, ...args] = onCore(0, [
    process.execPath,
    "--conditions=@bgcheck/source",
    new URL("./process.ts", import.meta.url).pathname
  ])
  const child = spawn(command!, args, {
    env: { PATH: process.env.PATH ?? "", LATENCY_MS: String(latencyMs) },
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  const waiting = new Map<number, (event: Event) => void>()
  const watchers = new Map<number, { started: (at: number) => void; done: (at: number) => void }>()
  child.on("message", (event: Event) => {
    if (event.type === "reply") waiting.get(event.id)?.(event)
    else if (event.type === "started") watchers.get(event.id)?.started(event.at)
    else watchers.get(event.id)?.done(event.at)
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  let nextId = 1
  const ask = <A>(request: Body<Request>): Promise<A> =>
    new Promise((resolve, reject) => {
      const id = nextId++
      waiting.set(id, (event) => {
        waiting.delete(id)
        resolve((event as Extract<Event, { type: "reply" }>).value as A)
      })
      child.send({ ...request, id }, (error) => error && reject(error))
    })
  const ready = await new Promise<{ endpoint: string; pid: number }>((resolve, reject) => {
    waiting.set(0, (event) => resolve((event as Extract<Event, { type: "reply" }>).value as never))
    child.once("exit", (code) => reject(new Error(`the local SQS process exited with ${code}`)))
  })
  waiting.delete(0)
  return {
    endpoint: ready.endpoint,
    pid: ready.pid,
    create: (name) => ask({ op: "create", name }),
    fill: (name, count) => ask({ op: "fill", name, count }),
    counts: (name) => ask({ op: "counts", name }),
    requests: () => ask({ op: "requests" }),
    delete: (name) => ask({ op: "delete", name }),
    watch: async (name, until, flow) => {
      const id = nextId
      let started!: (at: number) => void
      let done!: (at: number) => void
      const watch: Watch = {
        started: new Promise((resolve) => {
          started = resolve
        }),
        done: new Promise((resolve) => {
          done = resolve
        })
      }
      watchers.set(id, { started, done })
      await ask({ op: "watch", name, until, ...(flow === undefined ? {} : { flow }) })
      return watch
    },
    unwatch: () => ask({ op: "unwatch" }),
    stop: async () => {
      child.disconnect()
      await exited
    }
  }
}
