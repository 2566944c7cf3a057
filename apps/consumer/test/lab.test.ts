/**
 * The lab end to end, with real processes: the consumer in one "terminal", the sender and the
 * status reporter in another, all against a local SQS over HTTP. This is the CI smoke test.
 */

import { createConnection } from "node:net"
import { runApp, spawnApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/** True when something already listens on the local default port (a developer's local SQS). */
const localDefaultPortBusy = await new Promise<boolean>((resolve) => {
  const socket = createConnection({ host: "127.0.0.1", port: 4566 })
  socket.once("connect", () => {
    socket.destroy()
    resolve(true)
  })
  socket.once("error", () => resolve(false))
})

let server: LocalSqsServer
beforeAll(async () => {
  server = await start({ queues: BACKGROUND_CHECK_QUEUES })
})
afterAll(() => server.stop())

describe("the lab, as processes", () => {
  it("the consumer prints Hello World and the job's three statuses in order, then stops cleanly on SIGTERM", async () => {
    const env = { SQS_ENDPOINT: server.endpoint, LOG_FORMAT: "json" }
    const consumer = spawnApp("consumer", ["--wait", "1s"], env)
    await new Promise((resolve) => setTimeout(resolve, 300))

    const sender = await runApp("sender", ["--output", "json"], env)
    expect(sender.code).toBe(0)
    const helloId = JSON.parse(sender.stdout[0]!).messageIds[0]

    const reporter = await runApp("status-reporter", ["--job-id", "job-smoke", "--interval", "100ms"], env)
    expect(reporter.code).toBe(0)

    await consumer.waitForLine((line) => line.includes(String.raw`\"status\":\"completed\"`))
    const records = consumer.stdout.map((line) => JSON.parse(line))
    expect(records[0]).toMatchObject({ messageId: helloId, body: "Hello World", queue: "BackgroundCheckApp" })
    const statuses = records.slice(1).map((record) => JSON.parse(record.body))
    expect(statuses.map((s) => [s.jobId, s.sequence, s.status])).toEqual([
      ["job-smoke", 1, "not-started"],
      ["job-smoke", 2, "started"],
      ["job-smoke", 3, "completed"]
    ])

    const stoppingAt = Date.now()
    consumer.child.kill("SIGTERM")
    expect(await consumer.exited).toBe(0)
    expect(Date.now() - stoppingAt).toBeLessThan(5_000)
    expect(consumer.stderr.join("\n")).toMatch(/consumer stopped: received 4, processed 4, failed 0/)
    expect(server.inspect("BackgroundCheckApp")).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
  })

  it("prints the message id and body per message in the pretty format", async () => {
    const env = { SQS_ENDPOINT: server.endpoint }
    const consumer = spawnApp("consumer", ["--wait", "1s"], env)
    const sent = await runApp("sender", ["--body", "pretty please"], env)
    const id = sent.stdout[0]!.replace("sent ", "")
    expect(await consumer.waitForLine((line) => line.includes("pretty please"))).toBe(`[${id}] pretty please`)
    consumer.child.kill("SIGINT")
    expect(await consumer.exited).toBe(0)
  })

  // Skipped only where a local SQS already runs on 4566: this test needs the port free.
  it.skipIf(localDefaultPortBusy)(
    "with nothing configured and nothing on 127.0.0.1:4566, the consumer embeds a local SQS the sender then uses",
    async () => {
      const consumer = spawnApp("consumer", ["--wait", "1s"])
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (consumer.stderr.some((line) => line.includes("started an embedded local SQS"))) {
            clearInterval(check)
            resolve()
          }
        }, 50)
        consumer.exited.then(() => reject(new Error(consumer.stderr.join("\n"))))
      })
      const sent = await runApp("sender", ["--body", "two terminals"])
      expect(sent.code).toBe(0)
      await consumer.waitForLine((line) => line.endsWith("two terminals"))
      consumer.child.kill("SIGTERM")
      expect(await consumer.exited).toBe(0)
    }
  )
})
