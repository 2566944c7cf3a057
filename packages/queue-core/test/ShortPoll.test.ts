/**
 * Short polls (`waitTime` 0) on an idle queue, against a local SQS over HTTP: without a pause
 * after an empty receive the consumer asked hundreds of times a second, each receive billed on
 * AWS. It now backs off, and still picks up a message soon after it arrives.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Consumer, Producer } from "../src/index.ts"
import { apiCallsOf, eventually, LATENCIES, LocalSqs, localSqsServicesAt, queueWith } from "./fixtures.ts"

describe.each(LATENCIES)("short polls at %i ms added latency", (latencyMs) => {
  it.live("back off on an idle queue, and a message sent later is still handled within about a second", () =>
    Effect.gen(function* () {
      const server = yield* LocalSqs
      const { name } = yield* queueWith(0)
      const handled: Array<string> = []
      const before = yield* apiCallsOf("ReceiveMessage")
      const consumer = yield* Effect.forkChild(
        Consumer.run(name, (message) => Effect.sync(() => handled.push(message.body)), { waitTime: 0 })
      )
      yield* Effect.sleep("3 seconds")
      const idleReceives = (yield* apiCallsOf("ReceiveMessage")) - before
      // Unpaced, three seconds of short polls made over 1,300 receives at 0 ms (on a busy
      // machine) and about 120 at 20 ms; the backoff (50 ms growing to 1 s) makes about 10.
      assert.isAtMost(idleReceives, 20, `${idleReceives} receives in 3 s of an idle queue`)
      assert.isAtLeast(idleReceives, 3, "it kept polling")

      const sentAt = Date.now()
      yield* (yield* Producer.Producer).send(name, "late job")
      yield* eventually(() => handled.length === 1, "the late message handled")
      const pickedUpAfter = Date.now() - sentAt
      assert.isAtMost(pickedUpAfter, 3_000, `handled ${pickedUpAfter} ms after it was sent`)
      yield* eventually(() => server.inspect(name)?.inFlight === 0, "its delete confirmed")
      yield* Fiber.interrupt(consumer)
    }).pipe(Effect.provide(localSqsServicesAt(latencyMs)))
  )
})
