/**
 * `pnpm queues` as a process against a local SQS over HTTP: each subcommand, in text and JSON,
 * and a redrive interrupted half-way that loses nothing.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runApp, spawnApp } from "@bgcheck/app-kit/testing"
import { type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { SqsClient } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

let server: LocalSqsServer
let env: Record<string, string>
beforeAll(async () => {
  server = await start()
  env = { SQS_ENDPOINT: server.endpoint }
})
afterAll(() => server.stop())

const queues = (args: ReadonlyArray<string>) => runApp("queues", args, env)
const json = async (args: ReadonlyArray<string>) => {
  const result = await queues([...args, "--output", "json"])
  expect(result.code, result.stderr.join("\n")).toBe(0)
  return JSON.parse(result.stdout.join("\n"))
}

// Each test runs the app several times, each a process: on a CI machine busy with the whole
// suite a start takes seconds (one test of six starts took 90 s there).
describe("queues, as a process", { timeout: 180_000 }, () => {
  it("creates a queue with its dead-letter queue, and lists and describes them", async () => {
    const created = await json([
      "create",
      "orders",
      "--dlq",
      "--max-receives",
      "3",
      "--visibility-timeout",
      "45s"
    ])
    expect(created).toMatchObject({ name: "orders", deadLetterQueue: "orders-dlq" })
    server.enqueue("orders", ["a", "b", "c"])
    server.enqueue("orders-dlq", ["dead"])

    const listed = await json(["list", "--prefix", "orders"])
    expect(listed).toEqual([
      expect.objectContaining({
        name: "orders",
        type: "standard",
        visible: 3,
        inFlight: 0,
        deadLetterQueue: "orders-dlq"
      }),
      expect.objectContaining({ name: "orders-dlq", visible: 1, deadLetterQueue: null })
    ])
    const text = await queues(["list", "--prefix", "orders"])
    expect(text.stdout[0]).toMatch(/^NAME\s+TYPE\s+VISIBLE\s+IN FLIGHT\s+DELAYED\s+DLQ\s+URL$/)
    expect(text.stdout[1]).toMatch(/^orders\s+standard\s+3\s+0\s+0\s+orders-dlq\s+http:\/\/127\.0\.0\.1/)

    const described = await json(["describe", "orders"])
    expect(described).toMatchObject({
      name: "orders",
      visibilityTimeoutSeconds: 45,
      redrivePolicy: { maxReceiveCount: 3 },
      deadLetterQueue: { name: "orders-dlq", visible: 1 }
    })
    const shown = await queues(["describe", "orders"])
    expect(shown.stdout.join("\n")).toMatch(
      /dead-letter queue\s+orders-dlq after 3 receives: 1 visible, 0 in flight/
    )

    const fifo = await json(["create", "jobs", "--fifo"])
    expect(fifo.name).toBe("jobs.fifo")
  })

  it("says a queue already existed, unchanged, rather than created", async () => {
    const first = await json(["create", "twice"])
    expect(first).toMatchObject({ name: "twice", created: true })
    const again = await json(["create", "twice"])
    expect(again).toMatchObject({ name: "twice", url: first.url, created: false })
    const text = await queues(["create", "twice"])
    expect(text.code, text.stderr.join("\n")).toBe(0)
    expect(text.stdout).toEqual([`twice already existed (unchanged): ${first.url}`])
    const created = await queues(["create", "once"])
    expect(created.stdout).toEqual([expect.stringMatching(/^created once: http:\/\/127\.0\.0\.1/)])
  })

  it("peeks without consuming: the messages stay visible", async () => {
    server.createQueue({ name: "peeked" })
    server.enqueue("peeked", ["first", "line one\nline two", "third"])
    const peeked = await json(["peek", "peeked", "-n", "2"])
    expect(peeked).toHaveLength(2)
    expect(peeked[0]).toMatchObject({ receiveCount: 1 })
    expect(server.inspect("peeked")).toEqual({ ready: 3, delayed: 0, inFlight: 0 })
    const text = await queues(["peek", "peeked"])
    expect(text.stdout[0]).toMatch(/^MESSAGE ID\s+SENT\s+RECEIVES\s+BODY$/)
    expect(text.stdout).toHaveLength(4)
    expect(text.stdout.join("\n")).toContain(String.raw`line one\nline two`)
    expect(server.inspect("peeked")).toEqual({ ready: 3, delayed: 0, inFlight: 0 })
  })

  it("peeks a message whose body is in S3 as where it is and its size, without fetching it", async () => {
    server.createQueue({ name: "large" })
    server.createBucket("peek-payloads")
    const file = join(mkdtempSync(join(tmpdir(), "peek-")), "large.txt")
    writeFileSync(file, `${"p".repeat(1_100_000)}\n`)
    const sent = await runApp(
      "sender",
      ["--queue", "large", "--file", file, "--payload-bucket", "peek-payloads"],
      env
    )
    expect(sent.code, sent.stderr.join("\n")).toBe(0)
    const [key] = server.objectKeys("peek-payloads")!
    const text = await queues(["peek", "large", "--payload-bucket", "peek-payloads"])
    expect(text.stdout[1]).toMatch(new RegExp(`\\(in S3: s3://peek-payloads/${key}, 1100000 bytes\\)$`))
    const [peeked] = await json(["peek", "large", "--payload-bucket", "peek-payloads"])
    expect(peeked.storedIn).toBe(`s3://peek-payloads/${key}`)
    expect(peeked.refused).toBeUndefined()
    expect(server.objectKeys("peek-payloads")).toEqual([key])
  })

  it("peeks a pointer into a bucket it is not told to read as refused, and fetches nothing", async () => {
    server.createQueue({ name: "hostile" })
    server.createBucket("victim")
    // As any sender can write it (the producer refuses the reserved attribute).
    await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(SqsClient.make({ endpoint: server.endpoint }), (sqs) =>
          sqs.sendMessage({
            QueueUrl: `${server.endpoint}/000000000000/hostile`,
            MessageBody:
              '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"victim","s3Key":"secret.txt"}]',
            MessageAttributes: { ExtendedPayloadSize: { DataType: "Number", StringValue: "10" } }
          })
        )
      )
    )
    server.resetRequestCounts()
    const text = await queues(["peek", "hostile"])
    expect(text.code, text.stderr.join("\n")).toBe(0)
    expect(text.stdout[1]).toMatch(
      /\(in S3: s3:\/\/victim\/secret\.txt, 10 bytes; refused: its body is said to be at s3:\/\/victim\/secret\.txt, and victim is not a payload bucket of this consumer \(bgcheck-payloads\)\)$/
    )
    const [peeked] = await json(["peek", "hostile", "--payload-bucket", "other-bucket"])
    expect(peeked.refused).toContain("victim is not a payload bucket of this consumer (other-bucket)")
    expect(Object.keys(server.requestCounts()).filter((action) => action.startsWith("S3."))).toEqual([])
  })

  it("purges only when confirmed", async () => {
    server.createQueue({ name: "purged" })
    server.enqueue("purged", ["x", "y"])
    const refused = await queues(["purge", "purged"])
    expect(refused.code).toBe(2)
    expect(refused.stderr.filter((l) => l !== "")).toEqual([
      "queues: purge deletes every message of purged: add --yes to confirm"
    ])
    expect(server.inspect("purged")?.ready).toBe(2)
    const purged = await queues(["purge", "purged", "--yes"])
    expect(purged.code, purged.stderr.join("\n")).toBe(0)
    expect(server.inspect("purged")?.ready).toBe(0)
  })

  it("redrives a dead-letter queue to the queue that names it", async () => {
    await json(["create", "billing", "--dlq"])
    server.enqueue(
      "billing-dlq",
      Array.from({ length: 25 }, (_, i) => `job ${i}`)
    )
    const result = await queues(["redrive", "billing-dlq"])
    expect(result.code, result.stderr.join("\n")).toBe(0)
    expect(result.stdout).toEqual(["moved 25 message(s) from billing-dlq to billing (25 there at the start)"])
    expect(result.stderr).toContain("moved 25 of 25 from billing-dlq to billing")
    expect(server.inspect("billing")?.ready).toBe(25)
    expect(server.inspect("billing-dlq")).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
  })

  it("refuses a redrive into the dead-letter queue itself with one line and exit 2, moving nothing", async () => {
    server.createQueue({ name: "loop", deadLetter: { maxReceiveCount: 3 } })
    server.enqueue("loop-dlq", ["a", "b", "c", "d", "e"])
    const expected = [
      "queues: cannot redrive loop-dlq into itself: every batch would go back where it came from; give --to another queue"
    ]
    // By name, and by its ARN.
    for (const to of ["loop-dlq", server.deadLetterQueueOf("loop").arn]) {
      const refused = await queues(["redrive", "loop-dlq", "--to", to])
      expect(refused.code, refused.stderr.join("\n")).toBe(2)
      expect(refused.stderr.filter((l) => l !== "")).toEqual(expected)
      expect(refused.stdout).toEqual([])
    }
    expect(server.inspect("loop-dlq")).toEqual({ ready: 5, delayed: 0, inFlight: 0 })
    expect(server.inspect("loop")?.ready).toBe(0)
  })

  it("refuses a redrive between a FIFO and a standard queue with exit 2, and moves them with --allow-type-change", async () => {
    server.createQueue({ name: "mixed-dlq" })
    server.createQueue({ name: "mixed.fifo" })
    server.enqueue("mixed-dlq", ["a", "b", "c"])
    const refused = await queues(["redrive", "mixed-dlq", "--to", "mixed.fifo"])
    expect(refused.code, refused.stderr.join("\n")).toBe(2)
    expect(refused.stderr.filter((l) => l !== "")).toEqual([
      "queues: mixed-dlq is a standard queue and mixed.fifo a FIFO queue: SQS keeps dead letters in a queue of " +
        "their own type; add --allow-type-change to move them anyway (each message becomes a group of its own)"
    ])
    expect(server.inspect("mixed-dlq")?.ready).toBe(3)
    expect(server.inspect("mixed.fifo")?.ready).toBe(0)

    const moved = await json(["redrive", "mixed-dlq", "--to", "mixed.fifo", "--allow-type-change"])
    expect(moved).toEqual({
      from: "mixed-dlq",
      to: "mixed.fifo",
      atStart: 3,
      moved: 3,
      failed: 0,
      failures: []
    })
    expect(server.inspect("mixed-dlq")?.ready).toBe(0)
    expect(server.inspect("mixed.fifo")?.ready).toBe(3)

    // And back, FIFO to standard: refused without the flag too.
    const back = await queues(["redrive", "mixed.fifo", "--to", "mixed-dlq"])
    expect(back.code).toBe(2)
    expect(back.stderr.filter((l) => l !== "")).toEqual([
      "queues: mixed.fifo is a FIFO queue and mixed-dlq a standard queue: SQS keeps dead letters in a queue of " +
        "their own type; add --allow-type-change to move them anyway (their order and deduplication are lost)"
    ])
    expect(server.inspect("mixed.fifo")?.ready).toBe(3)
  })

  it("refuses a redrive whose source it cannot tell, and a missing queue, with one line", async () => {
    server.createQueue({ name: "orphan-dlq" })
    const orphan = await queues(["redrive", "orphan-dlq"])
    expect(orphan.code).toBe(1)
    expect(orphan.stderr.filter((l) => l !== "")).toEqual([
      "queues: no queue sends its dead letters to orphan-dlq: name the queue to move them to"
    ])
    const missing = await queues(["describe", "Nope"])
    expect(missing.code).toBe(1)
    expect(missing.stderr.filter((l) => l !== "")[0]).toMatch(
      /^queues: queue "Nope" does not exist at http:\/\/127\.0\.0\.1:\d+/
    )
  })

  it("hints at what queues takes for a missing queue, not the other apps' --queue", async () => {
    const missing = await queues(["purge", "Nope", "--yes"])
    expect(missing.code).toBe(1)
    const lines = missing.stderr.filter((l) => l !== "")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^queues: queue "Nope" does not exist at http:\/\/127\.0\.0\.1:\d+.*: check the queue name, --endpoint and --region \(`queues list` shows the queues\)$/
    )
    expect(lines[0]).not.toContain("--queue")
  })
})

describe("an interrupted redrive", () => {
  it("loses nothing and duplicates nothing: every message is in exactly one of the two queues", async () => {
    const slow = await start({ latencyMs: 20 })
    try {
      slow.createQueue({ name: "payments", deadLetter: { maxReceiveCount: 3 } })
      const dlq = slow.deadLetterQueueOf("payments").name
      slow.enqueue(
        dlq,
        Array.from({ length: 1000 }, (_, i) => `payment ${i}`)
      )
      const redrive = spawnApp("queues", ["redrive", dlq], { SQS_ENDPOINT: slow.endpoint })
      // Once a few batches have moved (the app has started and handles signals by then).
      const deadline = Date.now() + 45_000
      while ((slow.inspect("payments")?.ready ?? 0) < 100 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      redrive.child.kill("SIGINT")
      expect(await redrive.exited).toBe(0)
      const moved = slow.inspect("payments")!
      const left = slow.inspect(dlq)!
      expect(moved.ready).toBeGreaterThan(0)
      expect(left.ready).toBeGreaterThan(0)
      expect(left.inFlight).toBe(0)
      expect(moved.ready + left.ready).toBe(1000)
    } finally {
      await slow.stop()
    }
  }, 90_000)
})
