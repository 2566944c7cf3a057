/**
 * In local mode, when nothing answers at the local endpoint, the consumer starts an embedded
 * local SQS there, so that the lab's two terminals (consumer, then sender) work on a fresh
 * machine with nothing else running. The local SQS (fauxqs, fastify, node:sqlite) is loaded only
 * then: an app talking to Amazon SQS or to another endpoint never loads it.
 */
import { createConnection } from "node:net"
import type { SqsConfig } from "@bgcheck/queue-core"
import { Effect } from "effect"

/** True when something accepts TCP connections at the URL's host and port. */
export const answers = (endpoint: string): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const url = new URL(endpoint)
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 80) })
    const done = (ok: boolean) => {
      socket.destroy()
      resume(Effect.succeed(ok))
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    return Effect.sync(() => socket.destroy())
  })

/**
 * Starts an embedded local SQS for the scope when the settings are the local default and
 * nothing answers there; does nothing otherwise.
 */
export const ensureLocalSqs = Effect.fnUntraced(function* (settings: SqsConfig.SqsSettings) {
  if (settings.mode !== "local" || settings.endpoint === undefined) return
  if (yield* answers(settings.endpoint)) return
  const port = Number(new URL(settings.endpoint).port)
  const { BACKGROUND_CHECK_BUCKETS, BACKGROUND_CHECK_QUEUES, start } = yield* Effect.promise(
    () => import("@bgcheck/local-sqs")
  )
  yield* Effect.acquireRelease(
    Effect.promise(() => start({ port, queues: BACKGROUND_CHECK_QUEUES, buckets: BACKGROUND_CHECK_BUCKETS })),
    (server) => Effect.promise(() => server.stop())
  )
  yield* Effect.logInfo(
    `nothing answered at ${settings.endpoint}: started an embedded local SQS there with ` +
      `${BACKGROUND_CHECK_QUEUES.map((queue) => queue.name).join(", ")} and the bucket ` +
      `${BACKGROUND_CHECK_BUCKETS.join(", ")} (it stops with this process)`
  )
})
