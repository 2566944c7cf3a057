/**
 * Reliability, competing consumers: three consumer processes on one queue share the work.
 *
 * - Standard queue: N messages from the sender are handled by the three together, each taking a
 *   share, every message handled, under 1 % twice, nothing left.
 * - FIFO queue: several message groups, put on the queue in order, are drained by three
 *   processes; within each group every message is handled once and never before its predecessor
 *   was handled, whichever process got it. The local SQS runs in this test process, so a line
 *   printed before a message's delete was sent is read here before the next message of its group
 *   can be received by anyone: the order in which the lines arrive here is the order of handling.
 */
import { SqsClient } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { LATENCIES, MESSAGES, TEST_TIMEOUT_MS } from "./config.ts"
import {
  allConsuming,
  type ConsumerApp,
  cleanUp,
  countsOf,
  DLQ,
  describeSender,
  isEmpty,
  Ledger,
  type Printed,
  parseNumbered,
  QUEUE,
  queueState,
  report,
  runSender,
  seconds,
  since,
  spawnConsumer,
  startServer,
  waitFor
} from "./harness.ts"

afterEach(cleanUp)

const CONSUMERS = 3

describe.each(LATENCIES)("three competing consumers, %i ms added to every request", (latencyMs) => {
  const N = MESSAGES.competing

  it(
    `share ${N} messages: each handles some, all are handled, under 1 % twice`,
    async () => {
      const started = performance.now()
      const server = await startServer({ latencyMs })
      const ledger = new Ledger("job", N)
      const consumers = Array.from({ length: CONSUMERS }, (_, i) =>
        spawnConsumer(server.endpoint, ["--wait", "1s", "--max-in-flight", "20"], {
          name: `consumer ${i + 1}`,
          ledger
        })
      )
      await allConsuming(consumers)

      const sender = await runSender(server.endpoint, ["--body", "job", "--count", String(N)])
      expect(sender.code, describeSender(sender)).toBe(0)
      const state = () => ({
        ledger: ledger.summary(),
        shares: consumers.map((consumer) => consumer.printed.length),
        queues: queueState(server)
      })
      await waitFor(() => ledger.complete, `all ${N} messages handled`, { state, running: consumers })
      await waitFor(() => isEmpty(server, QUEUE), "the queue to be empty", { state, running: consumers })
      const drainedIn = since(started)
      const shares = consumers.map((consumer) => consumer.printed.length)
      for (const consumer of consumers) {
        const stopped = await consumer.stop()
        expect(stopped.code, `${consumer.name}: ${consumer.app.stderr.join("\n")}`).toBe(0)
      }

      expect(ledger.unexpected).toEqual([])
      for (const share of shares) expect(share).toBeGreaterThan(0)
      expect(ledger.duplicates).toBeLessThan(N / 100)
      expect(countsOf(server, DLQ)).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
      report(`competing consumers ${latencyMs} ms`, {
        messages: N,
        shares,
        duplicates: ledger.duplicates,
        "drained after": seconds(drainedIn),
        "test took": seconds(since(started))
      })
    },
    TEST_TIMEOUT_MS
  )

  const GROUPS = MESSAGES.fifoGroups
  const PER_GROUP = MESSAGES.fifoPerGroup
  const FIFO = "Jobs.fifo"

  it(
    `FIFO: ${GROUPS} groups of ${PER_GROUP} messages, each group handled in order across the processes`,
    async () => {
      const started = performance.now()
      const server = await startServer({ latencyMs })
      server.createQueue({
        name: FIFO,
        attributes: { ContentBasedDeduplication: "true" },
        deadLetter: { maxReceiveCount: 5 }
      })
      const groups = Array.from({ length: GROUPS }, (_, g) => `group-${g + 1}`)
      await putInOrder(server.endpoint, FIFO, groups, PER_GROUP)
      expect(countsOf(server, FIFO).ready).toBe(GROUPS * PER_GROUP)

      // Per group, the message numbers in the order their lines arrived here, and by whom.
      const arrivals = new Map<string, Array<Printed>>(groups.map((group) => [group, []]))
      const strays: Array<Printed> = []
      const record = (printed: Printed) => {
        const list = arrivals.get(printed.groupId ?? "")
        if (list === undefined || parseNumbered(printed.body)?.prefix !== printed.groupId)
          strays.push(printed)
        else list.push(printed)
      }
      const consumers: Array<ConsumerApp> = Array.from({ length: CONSUMERS }, (_, i) =>
        spawnConsumer(
          server.endpoint,
          // A little work per message, so that no one process can take every group at once.
          ["--queue", FIFO, "--wait", "1s", "--max-in-flight", "10", "--work-time", "5ms"],
          { name: `consumer ${i + 1}`, onPrinted: record }
        )
      )
      const handled = () => [...arrivals.values()].reduce((sum, list) => sum + list.length, 0)
      const state = () => ({
        handled: handled(),
        shares: consumers.map((consumer) => consumer.printed.length),
        queues: queueState(server, FIFO, "Jobs-dlq.fifo")
      })
      await waitFor(() => handled() >= GROUPS * PER_GROUP, "every FIFO message handled", {
        state,
        running: consumers
      })
      await waitFor(() => isEmpty(server, FIFO), "the FIFO queue to be empty", { state, running: consumers })
      const drainedIn = since(started)
      const shares = consumers.map((consumer) => consumer.printed.length)
      for (const consumer of consumers) {
        const stopped = await consumer.stop()
        expect(stopped.code, `${consumer.name}: ${consumer.app.stderr.join("\n")}`).toBe(0)
      }

      expect(strays).toEqual([])
      const expected = Array.from({ length: PER_GROUP }, (_, i) => i + 1)
      let handovers = 0
      for (const [group, list] of arrivals) {
        // Each message once, and each after its predecessor: exactly 1, 2, ..., PER_GROUP.
        expect(
          list.map((printed) => parseNumbered(printed.body)!.n),
          `${group} in the order handled`
        ).toEqual(expected)
        for (let i = 1; i < list.length; i++) if (list[i]!.consumer !== list[i - 1]!.consumer) handovers++
      }
      for (const consumer of consumers) {
        // Within each process too (implied by the above; a direct check of each one's own output).
        for (const group of groups) {
          const own = consumer.printed
            .filter((printed) => printed.groupId === group)
            .map((printed) => parseNumbered(printed.body)!.n)
          expect(own, `${consumer.name}, ${group}`).toEqual(own.toSorted((a, b) => a - b))
        }
      }
      expect(
        shares.filter((share) => share > 0).length,
        "processes that handled FIFO messages"
      ).toBeGreaterThan(1)
      expect(countsOf(server, "Jobs-dlq.fifo")).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
      report(`FIFO, three consumers ${latencyMs} ms`, {
        messages: GROUPS * PER_GROUP,
        groups: GROUPS,
        shares,
        "group handovers between processes": handovers,
        "drained after": seconds(drainedIn),
        "test took": seconds(since(started))
      })
    },
    TEST_TIMEOUT_MS
  )
})

/**
 * Puts `perGroup` messages `<group> (n/perGroup)` of each group on the FIFO queue, in order: one
 * SendMessageBatch request at a time, each the next 10 messages with the groups interleaved. (The
 * sender app's bulk path keeps several batch requests in flight, which does not keep the order
 * within a group on a FIFO queue; the point here is the consumers' order, so the order sent must
 * be certain.)
 */
const putInOrder = (endpoint: string, queue: string, groups: ReadonlyArray<string>, perGroup: number) => {
  const messages = Array.from({ length: perGroup }, (_, i) =>
    groups.map((group) => ({ group, body: `${group} (${i + 1}/${perGroup})` }))
  ).flat()
  return Effect.runPromise(
    Effect.gen(function* () {
      const sqs = yield* SqsClient.SqsClient
      const { QueueUrl } = yield* sqs.getQueueUrl({ QueueName: queue })
      for (let start = 0; start < messages.length; start += 10) {
        const batch = messages.slice(start, start + 10)
        const result = yield* sqs.sendMessageBatch({
          QueueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            MessageBody: message.body,
            MessageGroupId: message.group
          }))
        })
        if ((result.Failed ?? []).length > 0) {
          return yield* Effect.die(new Error(`could not queue: ${JSON.stringify(result.Failed)}`))
        }
      }
    }).pipe(Effect.provide(SqsClient.layer({ endpoint })))
  )
}
