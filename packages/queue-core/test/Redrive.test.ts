/**
 * Redrive against a local SQS over HTTP: what it refuses before any message moves (a target that
 * is the source itself).
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Redrive } from "../src/index.ts"
import { LocalSqs, LocalSqsServices, uniqueName } from "./fixtures.ts"

/** A standard queue of its own holding `bodies`. */
const standardWith = (prefix: string, bodies: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const server = yield* LocalSqs
    const created = server.createQueue({ name: uniqueName(prefix) })
    if (bodies.length > 0) server.enqueue(created.name, bodies)
    return created
  })

/** The actions that would move a message: none may be sent by a refused redrive. */
const MOVING_ACTIONS = [
  "ReceiveMessage",
  "SendMessageBatch",
  "DeleteMessageBatch",
  "ChangeMessageVisibilityBatch"
]

layer(LocalSqsServices, { excludeTestServices: true })("Redrive (local SQS over HTTP)", (it) => {
  it.effect(
    "refuses a target that is the dead-letter queue itself, however it is spelled, before any message moves",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const dlq = yield* standardWith("self-dlq", ["a", "b", "c", "d", "e"])
        // The same queue by ARN, and by another spelling of its URL (localhost for 127.0.0.1).
        for (const to of [dlq.name, dlq.arn, `http://localhost:${server.port}/000000000000/${dlq.name}`]) {
          server.resetRequestCounts()
          const error = yield* Effect.flip(Redrive.redrive(dlq.url, { to }))
          assert.strictEqual(error._tag, "InvalidRedrive")
          if (error._tag !== "InvalidRedrive") return
          assert.strictEqual(error.reason, "SameQueue")
          assert.strictEqual(
            error.message,
            `cannot redrive ${dlq.name} into itself: every batch would go back where it came from; name another queue to move its messages to`
          )
          for (const action of MOVING_ACTIONS) assert.isUndefined(server.requestCounts()[action], action)
        }
        assert.deepStrictEqual(server.inspect(dlq.name), { ready: 5, delayed: 0, inFlight: 0 })
      })
  )
})
