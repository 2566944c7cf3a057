/**
 * The consumer as a process against messages written by whoever can send to the queue, all on
 * loopback: a pointer into a bucket it was not configured for is never followed (the lab's
 * confused deputy: it printed another bucket's secret, then deleted it).
 */
import { runApp, spawnApp, until } from "@bgcheck/app-kit/testing"
import {
  BACKGROUND_CHECK_BUCKETS,
  BACKGROUND_CHECK_QUEUES,
  type LocalSqsServer,
  start
} from "@bgcheck/local-sqs"
import { LargePayloads, PayloadStore, SqsClient, SqsConfig } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const SECRET = "the victim's secret"

let server: LocalSqsServer
beforeAll(async () => {
  server = await start({ queues: BACKGROUND_CHECK_QUEUES, buckets: BACKGROUND_CHECK_BUCKETS })
})
afterAll(() => server.stop())

/** Runs `use` with the library's client and store pointed at the local SQS (as a sender's tools would be). */
const withServices = <A>(
  use: (services: {
    sqs: SqsClient.SqsClient["Service"]
    store: PayloadStore.PayloadStore["Service"]
  }) => Effect.Effect<A, unknown>
) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const settings = yield* SqsConfig.resolve({ endpoint: server.endpoint })
        const sqs = yield* SqsClient.open(settings)
        const store = yield* PayloadStore.open(yield* SqsConfig.resolveS3(settings))
        return yield* use({ sqs, store })
      })
    )
  )

/** The victim's object, and a pointer to it on the lab's queue, as boto3 would send it. */
const plantAndPoint = (bucket: string) =>
  withServices(({ sqs, store }) =>
    Effect.gen(function* () {
      server.createBucket(bucket)
      yield* store.put({ bucket, key: "secret.txt" }, SECRET)
      yield* sqs.sendMessage({
        QueueUrl: `${server.endpoint}/000000000000/BackgroundCheckApp`,
        MessageBody: LargePayloads.encodePointer({ bucket, key: "secret.txt" }),
        MessageAttributes: {
          ExtendedPayloadSize: { DataType: "Number", StringValue: String(SECRET.length) }
        }
      })
    })
  )

describe("the consumer with pointers from anyone who can send", { timeout: 50_000 }, () => {
  it("dead-letters a pointer into a bucket it does not read, printing none of it and deleting nothing", async () => {
    server.reset()
    await plantAndPoint("victim")
    server.resetRequestCounts()
    const consumer = spawnApp("consumer", ["--wait", "1s"], { SQS_ENDPOINT: server.endpoint })
    await until("the pointer in the DLQ", () => server.inspect("BackgroundCheckApp-dlq")?.ready === 1)
    consumer.child.kill("SIGTERM")
    expect(await consumer.exited).toBe(0)
    const printed = consumer.output.join("\n")
    expect(printed).not.toContain(SECRET)
    expect(consumer.stdout).toEqual([])
    const reason =
      "its body is said to be at s3://victim/secret.txt, and victim is not a payload bucket of this consumer (bgcheck-payloads)"
    const named = consumer.stderr.filter((line) => line.includes("victim"))
    expect(named.length).toBeGreaterThan(0)
    for (const line of named) expect(line.endsWith(reason), line).toBe(true)
    expect(named.some((line) => line.includes("WARN  moved to BackgroundCheckApp-dlq: "))).toBe(true)
    expect(server.objectKeys("victim")).toEqual(["secret.txt"])
    expect(Object.keys(server.requestCounts()).filter((action) => action.startsWith("S3."))).toEqual([])
  })

  it("reads the buckets --payload-bucket (or SQS_PAYLOAD_BUCKET) names, and deletes their objects after", async () => {
    for (const [args, env] of [
      [["--payload-bucket", "bgcheck-payloads", "--payload-bucket", "victim"], {}],
      [[], { SQS_PAYLOAD_BUCKET: "other-bucket, victim" }]
    ] as const) {
      server.reset()
      await plantAndPoint("victim")
      const consumer = spawnApp("consumer", ["--wait", "1s", ...args], {
        SQS_ENDPOINT: server.endpoint,
        ...env
      })
      await consumer.waitForLine((line) => line.endsWith(SECRET), 30_000)
      await until("the object deleted after its message", () => server.objectKeys("victim")?.length === 0)
      consumer.child.kill("SIGTERM")
      expect(await consumer.exited).toBe(0)
    }
  })

  it("refuses a --payload-bucket that is not a bucket name, with one line and exit 2", async () => {
    for (const [args, env, named] of [
      [["--payload-bucket", "Bad_Bucket"], {}, "--payload-bucket"],
      [[], { SQS_PAYLOAD_BUCKET: "ok-bucket,Bad_Bucket" }, "SQS_PAYLOAD_BUCKET"]
    ] as const) {
      const run = await runApp("consumer", args, { SQS_ENDPOINT: server.endpoint, ...env })
      expect(run.code).toBe(2)
      const lines = run.stderr.filter((line) => line !== "")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(named.replace(/^--/, ""))
      expect(lines[0]).toContain('"Bad_Bucket"')
    }
  })
})
