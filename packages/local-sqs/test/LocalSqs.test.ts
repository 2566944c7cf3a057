import { mkdtempSync, rmSync } from "node:fs"
import { createConnection } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  BatchEntryIdsNotDistinct,
  GetQueueUrlCommand,
  InvalidMessageContents,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest
} from "@aws-sdk/client-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "../src/index.ts"
import { realQueryErrorHeader } from "../src/sqsErrorCodes.ts"

const clientFor = (server: LocalSqsServer) =>
  new SQSClient({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" }
  })

describe("realQueryErrorHeader", () => {
  it("keeps the prefix only on the codes real SQS prefixes", () => {
    expect(realQueryErrorHeader("AWS.SimpleQueueService.NonExistentQueue;Sender")).toBe(
      "AWS.SimpleQueueService.NonExistentQueue;Sender"
    )
    expect(realQueryErrorHeader("AWS.SimpleQueueService.InvalidMessageContents;Sender")).toBe(
      "InvalidMessageContents;Sender"
    )
    expect(realQueryErrorHeader("AWS.SimpleQueueService.QueueNameExists;Sender")).toBe(
      "QueueAlreadyExists;Sender"
    )
  })
})

describe("a local SQS", () => {
  let server: LocalSqsServer
  let sqs: SQSClient
  beforeAll(async () => {
    server = await start({ queues: BACKGROUND_CHECK_QUEUES })
    sqs = clientFor(server)
  })
  afterAll(async () => {
    sqs.destroy()
    await server.stop()
  })

  it("listens on 127.0.0.1 and hands out queue URLs that point back at itself", async () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "BackgroundCheckApp" }))
    expect(QueueUrl).toBe(`${server.endpoint}/000000000000/BackgroundCheckApp`)
  })

  it("listens on 127.0.0.1 only: another loopback address of the machine is refused", async () => {
    // A server bound to 0.0.0.0 would accept on 127.0.0.2 too; one bound to 127.0.0.1 does not.
    const reached = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.2", port: server.port })
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    expect(reached).toBe(false)
  })

  it("creates the lab's queue with a dead-letter queue and a redrive policy", () => {
    expect(server.inspect("BackgroundCheckApp")).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
    expect(server.inspect("BackgroundCheckApp-dlq")).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
  })

  it("fails with the SDK's typed exceptions, as real SQS does", async () => {
    const QueueUrl = server.createQueue({ name: "typed-errors" }).url
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "missing" }))).rejects.toBeInstanceOf(
      QueueDoesNotExist
    )
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "\u0000" }))
    ).rejects.toBeInstanceOf(InvalidMessageContents)
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" }))
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(11) }))
    ).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest)
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [entries(1)[0]!, entries(1)[0]!] }))
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct)
  })

  it("counts the requests it receives, by action", async () => {
    server.resetRequestCounts()
    await sqs.send(new GetQueueUrlCommand({ QueueName: "BackgroundCheckApp" }))
    await sqs.send(new GetQueueUrlCommand({ QueueName: "BackgroundCheckApp" }))
    expect(server.requestCounts()).toEqual({ GetQueueUrl: 2 })
  })

  it("injects faults: failed batch entries are really not stored, and are reported as SQS would", async () => {
    const QueueUrl = server.createQueue({ name: "faulty" }).url
    let draws = 0
    server.injectFaults({
      action: "SendMessageBatch",
      entryFailureRate: 0.5,
      random: () => (draws++ % 2 === 0 ? 0 : 1)
    })
    const output = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: Array.from({ length: 4 }, (_, i) => ({ Id: `e${i}`, MessageBody: `m${i}` }))
      })
    )
    server.clearFaults()
    expect(output.Successful?.map((entry) => entry.Id)).toEqual(["e1", "e3"])
    expect(output.Failed).toEqual([
      { Id: "e0", SenderFault: false, Code: "InternalError", Message: "injected fault" },
      { Id: "e2", SenderFault: false, Code: "InternalError", Message: "injected fault" }
    ])
    expect(server.inspect("faulty")?.ready).toBe(2)
  })

  it("injects request failures with the AWS error code, as the SDK's typed errors", async () => {
    server.injectFaults({
      action: "GetQueueUrl",
      requestFailureRate: 1,
      code: "RequestThrottled",
      senderFault: true
    })
    const error = await sqs.send(new GetQueueUrlCommand({ QueueName: "BackgroundCheckApp" })).catch((e) => e)
    server.clearFaults()
    expect(error.name).toBe("RequestThrottled")
  })

  it("fails every entry of a batch when asked, answering for them as SQS would", async () => {
    const QueueUrl = server.createQueue({ name: "all-fail" }).url
    server.injectFaults({ action: "SendMessageBatch", entryFailureRate: 1, times: 1 })
    const output = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: "only", MessageBody: "x" }] })
    )
    server.clearFaults()
    expect(output.Failed).toEqual([
      { Id: "only", SenderFault: false, Code: "InternalError", Message: "injected fault" }
    ])
    expect(server.inspect("all-fail")?.ready).toBe(0)
  })

  it("adds latency to one request, one action, or every request", async () => {
    const timed = async (send: () => Promise<unknown>) => {
      const started = performance.now()
      await send()
      return performance.now() - started
    }
    const getUrl = () => sqs.send(new GetQueueUrlCommand({ QueueName: "BackgroundCheckApp" }))
    server.injectFaults({ latencyMs: 600, times: 1 })
    expect(await timed(getUrl)).toBeGreaterThanOrEqual(590)
    expect(await timed(getUrl)).toBeLessThan(500)
    server.injectFaults({ latencyMs: 600, action: "SendMessage" })
    expect(await timed(getUrl)).toBeLessThan(500)
    server.clearFaults()
    const slow = await start({ latencyMs: 600 })
    const slowClient = clientFor(slow)
    const slowGetUrl = () =>
      slowClient.send(new GetQueueUrlCommand({ QueueName: "x" })).catch(() => undefined)
    try {
      expect(await timed(slowGetUrl)).toBeGreaterThanOrEqual(590)
      // The server's own latency stays while faults come and go.
      slow.injectFaults({ action: "SendMessage", requestFailureRate: 1 })
      expect(await timed(slowGetUrl)).toBeGreaterThanOrEqual(590)
      slow.clearFaults()
      expect(await timed(slowGetUrl)).toBeGreaterThanOrEqual(590)
    } finally {
      slowClient.destroy()
      await slow.stop()
    }
  })

  it("draws the same faults for the same seed", async () => {
    const QueueUrl = server.createQueue({ name: "seeded" }).url
    const failedIds = async () => {
      server.injectFaults({ action: "SendMessageBatch", entryFailureRate: 0.5, seed: 42 })
      const output = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" }))
        })
      )
      server.clearFaults()
      return output.Failed?.map((entry) => entry.Id)
    }
    const first = await failedIds()
    expect(first?.length).toBeGreaterThan(0)
    expect(await failedIds()).toEqual(first)
  })

  it("answers long polls as SQS does: an arrival ends one poll, not every poll waiting", async () => {
    const { url } = server.createQueue({ name: "long-polls" })
    const sqs = clientFor(server)
    const poll = async () => {
      const startedAt = Date.now()
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 })
      )
      return { count: Messages.length, ms: Date.now() - startedAt }
    }
    const polls = [poll(), poll(), poll()]
    await new Promise((resolve) => setTimeout(resolve, 200))
    // 15 arrive at once: two polls take them (10 and 5), the third keeps waiting for its 2 s.
    server.enqueue(
      "long-polls",
      Array.from({ length: 15 }, (_, i) => `m${i}`)
    )
    const answers = (await Promise.all(polls)).sort((a, b) => b.count - a.count)
    expect(answers.map((a) => a.count)).toEqual([10, 5, 0])
    expect(answers[0]!.ms).toBeLessThan(1_500)
    expect(answers[1]!.ms).toBeLessThan(1_500)
    expect(answers[2]!.ms).toBeGreaterThanOrEqual(1_900)
    sqs.destroy()
  })

  it("reset removes the messages and keeps the queues", async () => {
    const QueueUrl = server.createQueue({ name: "to-reset" }).url
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }))
    expect(server.inspect("to-reset")?.ready).toBe(1)
    server.reset()
    expect(server.inspect("to-reset")?.ready).toBe(0)
  })
})

describe("a local SQS with a data directory", () => {
  it("keeps queues and messages across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "local-sqs-"))
    try {
      const first = await start({ dataDir, queues: [{ name: "durable" }] })
      const client = clientFor(first)
      await client.send(
        new SendMessageCommand({ QueueUrl: first.createQueue({ name: "durable" }).url, MessageBody: "kept" })
      )
      client.destroy()
      await first.stop()

      const second = await start({ dataDir })
      expect(second.inspect("durable")?.ready).toBe(1)
      await second.stop()
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
