/**
 * A steady flow that one poller keeps up with, against a local SQS over HTTP at 0 and 20 ms: the
 * consumer should receive in full batches, not open extra receives that come back half empty or
 * empty (each receive is a billed request). Before extra receives were tied to full ones, this
 * flow cost about 0.4 receives per message; ideal is 0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Consumer } from "../src/index.ts"
import { apiCallsOf, eventually, LATENCIES, LocalSqs, localSqsServicesAt, queueWith } from "./fixtures.ts"

const RATE_PER_10_MS = 10
const TICKS = 200

describe.each(LATENCIES)("a steady flow at %i ms added latency", (latencyMs) => {
  it.live("is received in nearly full batches: at most 0.2 receives per message", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const { name } = yield* queueWith(0)
      let handled = 0
      const consumer = yield* Effect.forkChild(
        Consumer.run(name, () => Effect.sync(() => handled++), { maxInFlight: 100, waitTime: "2 seconds" })
      )
      yield* eventually(() => (server.requestCounts().ReceiveMessage ?? 0) > 0, "the first receive")
      const before = yield* apiCallsOf("ReceiveMessage")
      // 1,000 messages a second for 2 s, put straight on the queue.
      for (let tick = 0; tick < TICKS; tick++) {
        server.enqueue(
          name,
          Array.from({ length: RATE_PER_10_MS }, (_, i) => `job ${tick * RATE_PER_10_MS + i}`)
        )
        yield* Effect.sleep("10 millis")
      }
      const total = TICKS * RATE_PER_10_MS
      yield* eventually(() => handled === total, "every message handled")
      const receives = (yield* apiCallsOf("ReceiveMessage")) - before
      yield* Fiber.interrupt(consumer)
      assert.isAtMost(receives / total, 0.2, `${receives} receives for ${total} messages`)
    }).pipe(Effect.provide(localSqsServicesAt(latencyMs)))
  )
})
