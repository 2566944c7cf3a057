/**
 * Lossless shutdown with real processes, at 0 ms and at 20 ms added to every request: a consumer
 * process is stopped with SIGTERM while it works through 200 messages; a second consumer then
 * drains the queue.
 */
import { spawn } from "node:child_process"
import { type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { Effect, Fiber } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Consumer, Producer, QueueServices } from "../src/index.ts"
import { LATENCIES } from "./fixtures.ts"

describe.each(LATENCIES)("shutdown of a consumer process, %i ms added to every request", (latencyMs) => {
  let server: LocalSqsServer
  beforeAll(async () => {
    server = await start({ queues: [{ name: "shutdown-e2e" }], latencyMs })
  })
  afterAll(() => server.stop())

  const services = () => QueueServices.layer({ endpoint: server.endpoint })

  it("loses no message: the second consumer gets the released ones at once and the rest", async () => {
    const bodies = Array.from({ length: 200 }, (_, i) => `job ${i}`)
    await Effect.runPromise(
      Effect.flatMap(Producer.Producer, (producer) => producer.sendBatch("shutdown-e2e", bodies)).pipe(
        Effect.provide(services())
      )
    )

    const first = spawn(process.execPath, ["--conditions=@bgcheck/source", "test/programs/slowConsumer.ts"], {
      cwd: new URL("..", import.meta.url).pathname,
      env: {
        PATH: process.env.PATH ?? "",
        ENDPOINT: server.endpoint,
        QUEUE: "shutdown-e2e",
        HANDLER_MS: "100",
        MAX_IN_FLIGHT: "20",
        SHUTDOWN_TIMEOUT_MS: "50"
      }
    })
    const doneByFirst: Array<string> = []
    let partial = ""
    first.stdout.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n")
      partial = lines.pop() ?? ""
      // Log lines go to stdout too; the records are the JSON objects.
      for (const line of lines.filter((line) => line.startsWith("{"))) {
        const record = JSON.parse(line) as { done?: string }
        if (record.done !== undefined) doneByFirst.push(record.done)
      }
    })
    const exited = new Promise<number | null>((resolve) => first.once("close", resolve))
    while (doneByFirst.length < 60) await new Promise((resolve) => setTimeout(resolve, 20))

    first.kill("SIGTERM")
    expect(await exited).toBe(0)
    const stoppedAt = Date.now()
    // Nothing is left in flight for a visibility timeout: all deleted or visible again.
    expect(server.inspect("shutdown-e2e")?.inFlight).toBe(0)
    const left = server.inspect("shutdown-e2e")?.ready ?? 0
    expect(doneByFirst.length + left).toBeGreaterThanOrEqual(200)

    const doneBySecond: Array<{ body: string; at: number }> = []
    await Effect.runPromise(
      Effect.gen(function* () {
        const consumer = yield* Effect.forkChild(
          Consumer.run(
            "shutdown-e2e",
            (message) => Effect.sync(() => doneBySecond.push({ body: message.body, at: Date.now() })),
            { waitTime: "1 second", maxInFlight: 50 }
          )
        )
        while (doneBySecond.length < left) yield* Effect.sleep("20 millis")
        yield* Fiber.interrupt(consumer)
      }).pipe(Effect.provide(services()))
    )
    const handled = new Set([...doneByFirst, ...doneBySecond.map((done) => done.body)])
    expect([...handled].toSorted()).toEqual(bodies.toSorted())
    expect(Math.min(...doneBySecond.map((done) => done.at)) - stoppedAt).toBeLessThan(1_000)
  })
})
