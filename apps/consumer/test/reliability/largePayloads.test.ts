/**
 * Reliability, large payloads: messages over SQS's 1 MiB, sent by the sender through S3
 * (`--payload-bucket`), survive a consumer killed with SIGKILL mid-drain. An object is deleted
 * only after SQS has confirmed its message's delete, so every message left in the queue still
 * has its body in S3; a second consumer handles every message with its body intact. The only
 * objects left behind are those of deletes the first had sent when it died.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BACKGROUND_CHECK_BUCKETS, PAYLOAD_BUCKET } from "@bgcheck/local-sqs"
import { afterEach, describe, expect, it } from "vitest"
import { LATENCIES, MESSAGES, TEST_TIMEOUT_MS } from "./config.ts"
import {
  cleanUp,
  countsOf,
  DLQ,
  isEmpty,
  Ledger,
  QUEUE,
  queueState,
  report,
  runSender,
  seconds,
  since,
  spawnConsumer,
  startServer,
  total,
  waitFor
} from "./harness.ts"

afterEach(cleanUp)

const N = MESSAGES.largePayloads
const FIRST_MAX_IN_FLIGHT = 10
/** Numbered bodies just over SQS's 1 MiB (1,050,000 bytes): a long prefix, then ` (n/N)`. */
const PREFIX = `${"large payload ".repeat(75_000)}job`

describe.each(LATENCIES)(
  "large payloads through S3, a consumer killed with SIGKILL, %i ms added",
  (latencyMs) => {
    it(
      `${N} messages over 1 MiB all handled intact; only a delete in flight at the kill leaves an object`,
      async () => {
        const started = performance.now()
        const server = await startServer({ latencyMs, buckets: BACKGROUND_CHECK_BUCKETS })
        const dir = mkdtempSync(join(tmpdir(), "large-payloads-"))
        const file = join(dir, "messages.txt")
        writeFileSync(file, Array.from({ length: N }, (_, i) => `${PREFIX} (${i + 1}/${N})\n`).join(""))
        const sent = await runSender(server.endpoint, [
          "--file",
          file,
          "--payload-bucket",
          PAYLOAD_BUCKET
        ]).finally(() => rmSync(dir, { recursive: true, force: true }))
        expect(sent.code, sent.stderr.join("\n")).toBe(0)
        expect(sent.summary?.sent).toBe(N)
        expect(server.objectKeys(PAYLOAD_BUCKET)).toHaveLength(N)

        const ledger = new Ledger(PREFIX, N)
        let second: ReturnType<typeof spawnConsumer> | undefined
        const state = () => ({
          ledger: { ...ledger.summary(), unexpected: ledger.unexpected.length },
          queues: queueState(server),
          objects: server.objectKeys(PAYLOAD_BUCKET)?.length,
          printed: { first: first.printed.length, second: second?.printed.length }
        })
        const first = spawnConsumer(
          server.endpoint,
          [
            "--wait",
            "1s",
            "--max-in-flight",
            String(FIRST_MAX_IN_FLIGHT),
            "--visibility-timeout",
            "3s",
            // A little work per message, so that it dies with messages in its hands.
            "--work-time",
            "20ms"
          ],
          { name: "first", ledger }
        )
        await waitFor(() => first.printed.length >= N / 4, `the first consumer to print ${N / 4} messages`, {
          state,
          running: [first]
        })
        // Read in the same tick as the kill (the server runs in this process).
        const messagesAtKill = total(countsOf(server, QUEUE))
        const objectsAtKill = server.objectKeys(PAYLOAD_BUCKET)?.length ?? 0
        const killedAt = performance.now()
        await first.stop("SIGKILL")
        // No message without its body: an object goes only after its message.
        expect(objectsAtKill).toBeGreaterThanOrEqual(messagesAtKill)

        second = spawnConsumer(server.endpoint, ["--wait", "1s", "--max-in-flight", "20"], {
          name: "second",
          ledger
        })
        await waitFor(() => ledger.complete, `all ${N} messages handled`, { state, running: [second] })
        await waitFor(() => isEmpty(server, QUEUE), "the queue to be empty", { state, running: [second] })
        const stopped = await second.stop()
        expect(stopped.code, second.app.stderr.join("\n")).toBe(0)
        // Objects of messages whose delete the first consumer sent and was killed before cleaning up
        // stay (read once the second has stopped: it deletes an object just after its message).
        const orphans = server.objectKeys(PAYLOAD_BUCKET)?.length ?? 0
        expect(ledger.unexpected).toEqual([])
        expect(ledger.duplicates).toBeLessThanOrEqual(FIRST_MAX_IN_FLIGHT)
        // A message printed by the first and not yet confirmed deleted at the kill is either handled
        // again (its delete never reached SQS) or left an object behind (it did, after the kill).
        expect(orphans + ledger.duplicates).toBeLessThanOrEqual(FIRST_MAX_IN_FLIGHT)
        expect(countsOf(server, DLQ)).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
        report(`large payloads, kill -9 ${latencyMs} ms`, {
          messages: N,
          "printed by the first before SIGKILL": first.printed.length,
          "messages / objects at the kill": `${messagesAtKill} / ${objectsAtKill}`,
          duplicates: ledger.duplicates,
          "objects left behind (delete in flight at the kill)": orphans,
          "recovered in": seconds(since(killedAt)),
          "test took": seconds(since(started))
        })
      },
      TEST_TIMEOUT_MS
    )
  }
)
