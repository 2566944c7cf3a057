/**
 * OpenTelemetry export from the apps, against an OTLP/HTTP receiver started here on loopback:
 * with the standard OTEL_* variables set, a message sent inside a span is handled in a span of
 * the same trace, the exported metrics count it, and logs go out too.
 */
import { createServer, type Server } from "node:http"
import { runApp, spawnApp } from "@bgcheck/app-kit/testing"
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

const until = async (what: string, check: () => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
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
    } finally {
      consumer.child.kill("SIGTERM")
      expect(await consumer.exited).toBe(0)
      await otlp.close()
    }
  }, 90_000)
})
