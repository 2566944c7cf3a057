/**
 * The local SQS in its own process (pinned to its own core by the harness), driven over Node's IPC
 * channel: queues, fills, counts, and watches that time a contender's run from the server's side
 * (its first request to the moment the queue is empty, or holds what a producer sent).
 *
 * LATENCY_MS adds that much to every answer, as a real SQS region's round trip would.
 */
import { start } from "@bgcheck/local-sqs"
import { type Body, type Event, PAYLOAD, type Request, type Until } from "./protocol.ts"

const server = await start({ latencyMs: Number(process.env.LATENCY_MS ?? "0") })
const send = (event: Event) => process.send?.(event)

const totalRequests = () => Object.values(server.requestCounts()).reduce((a, b) => a + b, 0)
const bodies = (from: number, count: number, extra: Partial<Body> = {}) =>
  Array.from({ length: count }, (_, i) => JSON.stringify({ job: from + i, ...extra, payload: PAYLOAD }))

const holds = (name: string, until: Until) => {
  const counts = server.inspect(name)
  if (counts === undefined) return false
  return until.kind === "empty"
    ? counts.ready + counts.delayed + counts.inFlight === 0
    : counts.ready >= until.count
}

/** The one watch running: checked every 2 ms, which costs the server next to nothing. */
let stopWatch: () => void = () => undefined

const watch = (request: Extract<Request, { op: "watch" }>) => {
  stopWatch()
  const before = totalRequests()
  let startedAt: number | undefined
  let enqueued = 0
  const timer = setInterval(() => {
    const now = Date.now()
    if (startedAt === undefined) {
      if (totalRequests() === before) return
      startedAt = now
      send({ id: request.id, type: "started", at: now })
    }
    const flow = request.flow
    if (flow !== undefined && enqueued < flow.total) {
      const due = Math.min(flow.total, Math.floor(((now - startedAt) / 1000) * flow.rate))
      if (due > enqueued) {
        server.enqueue(
          request.name,
          bodies(enqueued, due - enqueued, { sentAt: now, warmup: now - startedAt < flow.warmupMs })
        )
        enqueued = due
      }
      return
    }
    if (holds(request.name, request.until)) {
      clearInterval(timer)
      send({ id: request.id, type: "done", at: now })
    }
  }, 2)
  stopWatch = () => clearInterval(timer)
}

const handle = (request: Request): unknown => {
  switch (request.op) {
    case "create":
      return server.createQueue({ name: request.name }).url
    case "fill":
      // Straight into the store, in slices, so that a 100,000-message backlog takes no requests.
      for (let from = 0; from < request.count; from += 10_000) {
        server.enqueue(request.name, bodies(from, Math.min(10_000, request.count - from)))
      }
      return null
    case "counts":
      return server.inspect(request.name) ?? null
    case "requests":
      return server.requestCounts()
    case "delete":
      server.deleteQueue(request.name)
      return null
    case "watch":
      watch(request)
      return null
    case "unwatch":
      stopWatch()
      return null
  }
}

process.on("message", (request: Request) => {
  send({ id: request.id, type: "reply", value: handle(request) })
})
// The harness's end is this process's end.
process.on("disconnect", () => {
  stopWatch()
  server.stop().then(() => process.exit(0))
})
send({ id: 0, type: "reply", value: { endpoint: server.endpoint, pid: process.pid } })
