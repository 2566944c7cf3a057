/**
 * OpenTelemetry export from the apps, against an OTLP/HTTP receiver started here on loopback:
 * with the standard OTEL_* variables set, a message sent inside a span is handled in a span of
 * the same trace, the exported metrics count it, and logs go out too. A collector that is down or
 * never answers is reported once, and holds up the app's exit for a bounded time only.
 */
import { createServer, type Server } from "node:http"
import { createServer as createTcpServer, type Socket } from "node:net"
import { runApp, spawnApp, until } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

interface Exported {
  readonly path: string
  readonly body: any
}

/** An OTLP/HTTP (JSON) receiver that keeps what it is sent. */
const receiver = async () => {
  const received: Array<Exported> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      received.push({ path: request.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString() || "{}") })
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(r)) }
}

const attribute = (attributes: ReadonlyArray<any> | undefined, key: string) =>
  attributes?.find((a) => a.key === key)?.value?.stringValue

/** Every exported span, with the service that sent it. */
const spansOf = (received: ReadonlyArray<Exported>) =>
  received
    .filter((r) => r.path === "/v1/traces")
    .flatMap((r) => r.body.resourceSpans ?? [])
    .flatMap((rs: any) =>
      (rs.scopeSpans ?? []).flatMap((ss: any) =>
        (ss.spans ?? []).map((span: any) => ({
          service: attribute(rs.resource?.attributes, "service.name"),
          name: span.name as string,
          traceId: span.traceId as string
        }))
      )
    )

/** The latest exported value of a counter for a queue. */
const counterValue = (received: ReadonlyArray<Exported>, name: string, queue: string) => {
  let value: number | undefined
  for (const r of received.filter((r) => r.path === "/v1/metrics")) {
    for (const rm of r.body.resourceMetrics ?? [])
      for (const sm of rm.scopeMetrics ?? [])
        for (const metric of sm.metrics ?? []) {
          if (metric.name !== name) continue
          for (const point of metric.sum?.dataPoints ?? [])
            if (attribute(point.attributes, "queue") === queue) value = Number(point.asDouble ?? point.asInt)
        }
  }
  return value
}

let sqs: LocalSqsServer
beforeAll(async () => {
  sqs = await start({ queues: BACKGROUND_CHECK_QUEUES })
})
afterAll(() => sqs.stop())

describe("OpenTelemetry export", () => {
  it("exports the sender's and the consumer's spans in one trace, and the consumer's counts", async () => {
    const otlp = await receiver()
    const env = {
      SQS_ENDPOINT: sqs.endpoint,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_METRIC_EXPORT_INTERVAL: "300",
      OTEL_BSP_SCHEDULE_DELAY: "200",
      OTEL_BLRP_SCHEDULE_DELAY: "200"
    }
    const consumer = spawnApp("consumer", ["--wait", "1s"], env)
    try {
      const sender = await runApp("sender", ["--count", "3"], { ...env, OTEL_SERVICE_NAME: "lab-sender" })
      expect(sender.code, sender.stderr.join("\n")).toBe(0)
      await until(
        "the consumer's metrics count 3 processed",
        () => counterValue(otlp.received, "sqs_consumer_messages_processed_total", "BackgroundCheckApp") === 3
      )
      await until("the consumer's spans are exported", () =>
        spansOf(otlp.received).some(
          (s) => s.service === "consumer" && s.name === "BackgroundCheckApp process"
        )
      )
      const spans = spansOf(otlp.received)
      const sent = new Set(spans.filter((s) => s.service === "lab-sender").map((s) => s.traceId))
      const handled = spans.filter((s) => s.service === "consumer" && s.name === "BackgroundCheckApp process")
      expect(sent.size).toBeGreaterThan(0)
      expect(handled).toHaveLength(3)
      for (const span of handled) expect(sent.has(span.traceId), span.traceId).toBe(true)
      // Logs go out too, next to the console's.
      await until("logs are exported", () => otlp.received.some((r) => r.path === "/v1/logs"))
      expect(consumer.stderr.filter((line) => line.includes("telemetry"))).toEqual([])
    } finally {
      consumer.child.kill("SIGTERM")
      expect(await consumer.exited).toBe(0)
      await otlp.close()
    }
  }, 50_000)
})

/** A loopback port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const probe = createTcpServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })

/** A loopback server that accepts connections and never answers. */
const silentCollector = async () => {
  const sockets = new Set<Socket>()
  const server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on("error", () => {})
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(resolve))
    }
  }
}

const telemetryWarnings = (stderr: ReadonlyArray<string>) =>
  stderr.filter((line) => line.includes("telemetry"))

describe("an OTLP collector", () => {
  it("that refuses connections is reported in one line, and the app exits without waiting on it", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const sender = spawnApp("sender", [], { SQS_ENDPOINT: sqs.endpoint, OTEL_EXPORTER_OTLP_ENDPOINT: url })
    await sender.waitForLine((line) => line.startsWith("sent "), 30_000)
    const sentAt = Date.now()
    expect(await sender.exited, sender.stderr.join("\n")).toBe(0)
    const exitDelay = Date.now() - sentAt
    const warnings = telemetryWarnings(sender.stderr)
    expect(warnings, sender.stderr.join("\n")).toHaveLength(1)
    expect(warnings[0]).toMatch(
      new RegExp(`WARN .*telemetry could not be exported to ${url}/v1/\\w+ \\(connection refused\\)`)
    )
    // It stops trying at exit once it fails, rather than retrying for the 3 s it is given.
    expect(exitDelay).toBeLessThan(2_000)
  }, 50_000)

  it("that never answers is reported in one line, and holds up the exit by 3 s at most", async () => {
    const collector = await silentCollector()
    const env = { SQS_ENDPOINT: sqs.endpoint, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }
    const consumer = spawnApp("consumer", ["--wait", "1s"], env)
    try {
      const sender = await runApp("sender", ["--body", "traced"], env)
      expect(sender.code, sender.stderr.join("\n")).toBe(0)
      expect(telemetryWarnings(sender.stderr)).toHaveLength(1)
      await consumer.waitForLine((line) => line.endsWith("] traced"), 30_000)
      consumer.child.kill("SIGTERM")
      const stoppedAt = Date.now()
      expect(await consumer.exited, consumer.stderr.join("\n")).toBe(0)
      const exitDelay = Date.now() - stoppedAt
      const warnings = telemetryWarnings(consumer.stderr)
      expect(warnings, consumer.stderr.join("\n")).toHaveLength(1)
      expect(warnings[0]).toMatch(
        new RegExp(`WARN .*telemetry could not be exported to ${collector.url}/v1/\\w+ \\(no answer`)
      )
      // The exporters get 3 s at exit (OTEL_EXPORTER_OTLP_TIMEOUT); the rest is the app's own shutdown.
      expect(exitDelay).toBeLessThan(10_000)
    } finally {
      consumer.child.kill("SIGKILL")
      await collector.close()
    }
  }, 50_000)
})
