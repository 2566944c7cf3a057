/**
 * `consumer --metrics-port`: readiness once the first receive is back, a Prometheus scrape that
 * counts every processed message, liveness that fails once SQS goes away, a port already in
 * use refused with one line, and a warning when the port is open to other machines.
 */
import { createServer } from "node:net"
import { runApp, spawnApp, until } from "@bgcheck/app-kit/testing"
import { type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { afterEach, describe, expect, it } from "vitest"

/** A port nothing listens on now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })

const get = async (port: number, path: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: response.status, text: await response.text() }
}

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs`. */
/** The value of a metric line such as `sqs_consumer_messages_processed_total{queue="q"} 25`. */
const metricValue = (text: string, name: string, queue: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(`queue="${queue}"`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1))
}

let server: LocalSqsServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

describe("consumer --metrics-port", () => {
  it("is ready after its first receive, counts what it processed, and turns unhealthy when SQS goes away", async () => {
    server = await start({ queues: [{ name: "health" }] })
    server.enqueue(
      "health",
      Array.from({ length: 25 }, (_, i) => `job ${i}`)
    )
    const port = await freePort()
    const consumer = spawnApp(
      "consumer",
      ["--queue", "health", "--wait", "1s", "--metrics-port", String(port), "--log-format", "json"],
      { SQS_ENDPOINT: server.endpoint }
    )
    try {
      await until("/readyz answers 200", async () => (await get(port, "/readyz")).status === 200)
      await until("/metrics counts 25 processed", async () => {
        const { text } = await get(port, "/metrics")
        return metricValue(text, "sqs_consumer_messages_processed_total", "health") === 25
      })
      const scrape = await get(port, "/metrics")
      expect(scrape.status).toBe(200)
      expect(metricValue(scrape.text, "sqs_consumer_messages_received_total", "health")).toBe(25)
      expect(metricValue(scrape.text, "sqs_consumer_messages_failed_total", "health")).toBe(0)
      expect(metricValue(scrape.text, "sqs_consumer_messages_in_flight", "health")).toBe(0)
      expect(scrape.text).toMatch(/^sqs_consumer_handler_duration_bucket\{.*queue="health"/m)
      expect(scrape.text).toMatch(/^sqs_api_calls_total\{.*action="DeleteMessageBatch"/m)
      expect((await get(port, "/healthz")).status).toBe(200)

      // SQS goes away: receives fail, and within the wait plus 10 s the loop counts as stuck.
      await server.stop()
      server = undefined
      const stoppedAt = Date.now()
      await until("/healthz answers 503", async () => (await get(port, "/healthz")).status === 503, 30_000)
      expect(Date.now() - stoppedAt).toBeGreaterThan(5_000)
      expect((await get(port, "/healthz")).text).toMatch(/^last receive \d+\.\ds ago/)
    } finally {
      consumer.child.kill("SIGTERM")
      await consumer.exited
    }
  }, 50_000)

  it("refuses a port already in use with one line and exit 1", async () => {
    server = await start({ queues: [{ name: "health" }] })
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve))
    const { port } = busy.address() as { port: number }
    try {
      const result = await runApp("consumer", ["--queue", "health", "--metrics-port", String(port)], {
        SQS_ENDPOINT: server.endpoint
      })
      const lines = result.stderr.filter((line) => line.trim() !== "")
      expect(lines, lines.join("\n")).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`^consumer: .*${port}.*in use`))
      expect(result.code).toBe(1)
    } finally {
      busy.close()
    }
  }, 30_000)

  it("warns once, naming the address, when the endpoints are reachable from other machines", async () => {
    server = await start({ queues: [{ name: "health" }] })
    const port = await freePort()
    const consumer = spawnApp(
      "consumer",
      ["--queue", "health", "--wait", "1s", "--metrics-port", String(port), "--metrics-host", "0.0.0.0"],
      { SQS_ENDPOINT: server.endpoint }
    )
    const warned = (line: string) => line.includes("other machines")
    try {
      // No request needed: the warning comes once the port listens.
      await until("the warning", async () => consumer.stderr.some(warned), 30_000)
    } finally {
      consumer.child.kill("SIGTERM")
    }
    expect(await consumer.exited).toBe(0)
    const warnings = consumer.stderr.filter(warned)
    expect(warnings, consumer.stderr.join("\n")).toHaveLength(1)
    expect(warnings[0]).toMatch(
      new RegExp(
        `WARN .*0\\.0\\.0\\.0:${port}.*/metrics, /healthz and /readyz are reachable from other machines`
      )
    )
  }, 50_000)

  it("does not warn when it listens on loopback", async () => {
    server = await start({ queues: [{ name: "health" }] })
    const port = await freePort()
    const consumer = spawnApp(
      "consumer",
      [
        "--queue",
        "health",
        "--wait",
        "1s",
        "--metrics-port",
        String(port),
        "--metrics-host",
        "::ffff:127.0.0.1"
      ],
      { SQS_ENDPOINT: server.endpoint }
    )
    try {
      // Ready means the metrics layer is built, warning (if any) included.
      await until("/readyz answers 200", async () => (await get(port, "/readyz")).status === 200, 30_000)
    } finally {
      consumer.child.kill("SIGTERM")
    }
    expect(await consumer.exited).toBe(0)
    expect(consumer.stderr.filter((line) => line.includes("WARN"))).toEqual([])
  }, 50_000)
})
