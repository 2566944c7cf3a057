/**
 * Deadlines of lean calls, which undici enforces on real (coarse) timers: a silent endpoint, one
 * that accepts connections and never answers.
 */
import { createServer, type Socket } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { SqsClient } from "../../src/index.ts"
import { settingsAt } from "./fixtures.ts"

const silentEndpoint = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ endpoint: string; closed: () => number; close: () => void }>((resolve) => {
        const sockets = new Set<Socket>()
        let closed = 0
        const server = createServer((socket) => {
          sockets.add(socket)
          socket.on("data", () => {})
          socket.on("close", () => closed++)
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as { port: number }
          resolve({
            endpoint: `http://127.0.0.1:${port}`,
            closed: () => closed,
            close: () => {
              for (const socket of sockets) socket.destroy()
              server.close()
            }
          })
        })
      })
  ),
  (silent) => Effect.sync(() => silent.close())
)

describe("Lean transport deadlines", () => {
  for (const [requestTimeout, shown] of [
    [400, "400ms"],
    [1_500, "1s 500ms"]
  ] as const) {
    it.live(
      `a call unanswered for ${shown} fails as SqsClient's deadline does, and its connection is closed`,
      () =>
        Effect.gen(function* () {
          const silent = yield* silentEndpoint
          const sqs = yield* SqsClient.open(settingsAt(silent.endpoint), {
            requestTimeout,
            retrySchedule: Schedule.recurs(0)
          })
          const started = Date.now()
          const error = yield* Effect.flip(
            sqs.receiveMessage({ QueueUrl: `${silent.endpoint}/000000000000/q`, WaitTimeSeconds: 0 })
          )
          const elapsed = Date.now() - started
          assert.strictEqual(error.reason._tag, "ConnectionLost")
          assert.strictEqual(error.message, `no answer from SQS at ${silent.endpoint} within ${shown}`)
          assert.isFalse((error.reason as { reset: boolean }).reset)
          // undici's timers over a second are coarse: up to about a second late.
          assert.isAtLeast(elapsed, requestTimeout - 50)
          assert.isBelow(elapsed, requestTimeout + 2_000)
          for (let i = 0; i < 50 && silent.closed() === 0; i++) yield* Effect.sleep("20 millis")
          assert.strictEqual(silent.closed(), 1)
        }).pipe(Effect.scoped)
    )
  }

  it.live("an unanswered send is not retried (SQS may be storing it)", () =>
    Effect.gen(function* () {
      const silent = yield* silentEndpoint
      const sqs = yield* SqsClient.open(settingsAt(silent.endpoint), { requestTimeout: 300 })
      const error = yield* Effect.flip(
        sqs.sendMessage({ QueueUrl: `${silent.endpoint}/000000000000/q`, MessageBody: "x" })
      )
      assert.strictEqual(error.message, `no answer from SQS at ${silent.endpoint} within 300ms`)
      assert.isTrue(error.mayHaveReachedSqs)
      for (let i = 0; i < 50 && silent.closed() === 0; i++) yield* Effect.sleep("20 millis")
      assert.strictEqual(silent.closed(), 1)
    }).pipe(Effect.scoped)
  )
})
