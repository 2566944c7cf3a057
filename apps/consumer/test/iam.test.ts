/**
 * The least-privilege IAM policies in `iam/`: each app, run through everything it does against a
 * local SQS that counts requests by action, calls exactly the SQS and S3 actions its policy
 * grants, no fewer and no more. (Batch actions are authorized by their single-message action, as
 * IAM does.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { runApp, spawnApp } from "@bgcheck/app-kit/testing"
import {
  BACKGROUND_CHECK_BUCKETS,
  BACKGROUND_CHECK_QUEUES,
  type LocalSqsServer,
  PAYLOAD_BUCKET,
  start
} from "@bgcheck/local-sqs"
import { describe, expect, it } from "vitest"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

/** The IAM action that authorizes an SQS API action. */
const IAM_ACTION: Record<string, string> = {
  SendMessageBatch: "sqs:SendMessage",
  DeleteMessageBatch: "sqs:DeleteMessage",
  ChangeMessageVisibilityBatch: "sqs:ChangeMessageVisibility"
}
/** S3's API actions whose IAM action has another name. */
const S3_IAM_ACTION: Record<string, string> = { HeadBucket: "s3:ListBucket" }
const iamActionOf = (action: string) => {
  if (!action.startsWith("S3.")) return IAM_ACTION[action] ?? `sqs:${action}`
  const s3Action = action.slice("S3.".length)
  return S3_IAM_ACTION[s3Action] ?? `s3:${s3Action}`
}

interface Statement {
  readonly Effect: string
  readonly Action: ReadonlyArray<string>
  readonly Resource: string | ReadonlyArray<string>
}

const granted = (file: string) => {
  const policy = JSON.parse(readFileSync(`${repoRoot}iam/${file}`, "utf8")) as {
    Version: string
    Statement: ReadonlyArray<Statement>
  }
  expect(policy.Version).toBe("2012-10-17")
  for (const statement of policy.Statement) {
    expect(statement.Effect).toBe("Allow")
    // Never every action, never every SQS or S3 action; S3 only on the payload bucket's objects.
    for (const action of statement.Action) expect(action).toMatch(/^(sqs|s3):[A-Z][A-Za-z]+$/)
    // S3 only on the payload bucket: the bucket itself for ListBucket, its objects otherwise.
    for (const action of statement.Action.filter((each) => each.startsWith("s3:")))
      expect(statement.Resource).toBe(
        action === "s3:ListBucket" ? `arn:aws:s3:::${PAYLOAD_BUCKET}` : `arn:aws:s3:::${PAYLOAD_BUCKET}/*`
      )
  }
  return new Set(policy.Statement.flatMap((statement) => statement.Action))
}

/** Runs `scenario` against a fresh local SQS; the IAM actions its requests needed. */
const actionsUsedBy = async (
  scenario: (env: Record<string, string>, server: LocalSqsServer) => Promise<void>
) => {
  const server = await start({ queues: BACKGROUND_CHECK_QUEUES, buckets: BACKGROUND_CHECK_BUCKETS })
  try {
    await scenario({ SQS_ENDPOINT: server.endpoint }, server)
    return new Set(Object.keys(server.requestCounts()).map(iamActionOf))
  } finally {
    await server.stop()
  }
}

const ok = async (app: string, args: ReadonlyArray<string>, env: Record<string, string>) => {
  const result = await runApp(app, args, env)
  expect(result.code, `${app} ${args.join(" ")}: ${result.stderr.join("\n")}`).toBe(0)
}

/** A file of one message of 2 MiB, more than SQS takes: it goes through S3. */
const largeMessageFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "iam-"))
  const file = join(dir, "large.txt")
  writeFileSync(file, `${"L".repeat(2 * 1024 * 1024)}\n`)
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

describe("IAM policies", { timeout: 120_000 }, () => {
  it("consumer.json: receiving, deleting, and releasing the messages in progress on shutdown", async () => {
    const used = await actionsUsedBy(async (env, server) => {
      await ok("sender", ["--count", "3"], env)
      const consumer = spawnApp(
        "consumer",
        ["--wait", "1s", "--work-time", "30s", "--shutdown-timeout", "0s"],
        env
      )
      // Received and in progress (30 s of work each): SIGTERM releases them.
      for (
        let waited = 0;
        server.inspect("BackgroundCheckApp")?.inFlight !== 3 && waited < 30_000;
        waited += 50
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      consumer.child.kill("SIGTERM")
      expect(await consumer.exited).toBe(0)
      // Then handled to the end: deleted, with a large message read from S3 and its object deleted.
      const large = largeMessageFile()
      await ok("sender", ["--file", large.file, "--payload-bucket", PAYLOAD_BUCKET], env).finally(
        large.remove
      )
      const again = spawnApp("consumer", ["--wait", "1s"], env)
      await again.waitForLine((line) => line.includes("Hello World (3/3)"), 30_000)
      await again.waitForLine((line) => line.includes("LLLLLLLL"), 30_000)
      for (let waited = 0; server.objectKeys(PAYLOAD_BUCKET)?.length !== 0 && waited < 10_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      again.child.kill("SIGTERM")
      expect(await again.exited).toBe(0)
    })
    // The sender's, above.
    used.delete("sqs:SendMessage")
    used.delete("s3:PutObject")
    used.delete("s3:ListBucket")
    expect([...used].sort()).toEqual([...granted("consumer.json")].sort())
  })

  it("sender.json: the sender (one message, many, a large one, a refused large one) and the status reporter", async () => {
    const used = await actionsUsedBy(async (env, server) => {
      await ok("sender", [], env)
      await ok("sender", ["--count", "25"], env)
      await ok("status-reporter", ["--interval", "0s"], env)
      const large = largeMessageFile()
      try {
        await ok("sender", ["--file", large.file, "--payload-bucket", PAYLOAD_BUCKET], env)
        // SQS refuses it: the object stored for it is deleted again.
        server.injectFaults({
          action: "SendMessageBatch",
          entryFailureRate: 1,
          code: "InvalidMessageContents",
          senderFault: true
        })
        const refused = await runApp(
          "sender",
          ["--file", large.file, "--payload-bucket", PAYLOAD_BUCKET],
          env
        )
        expect(refused.code).toBe(1)
        server.clearFaults()
        expect(server.objectKeys(PAYLOAD_BUCKET)).toHaveLength(1)
      } finally {
        large.remove()
      }
    })
    expect([...used].sort()).toEqual([...granted("sender.json")].sort())
  })

  it("queues.json: every queues command", async () => {
    const used = await actionsUsedBy(async (env, server) => {
      await ok("sender", ["--count", "3"], env)
      server.enqueue("BackgroundCheckApp-dlq", ["dead"])
      await ok("queues", ["list"], env)
      await ok("queues", ["describe", "BackgroundCheckApp"], env)
      await ok("queues", ["create", "BackgroundCheckApp-extra", "--dlq"], env)
      await ok("queues", ["peek", "BackgroundCheckApp"], env)
      await ok("queues", ["redrive", "BackgroundCheckApp-dlq"], env)
      await ok("queues", ["purge", "BackgroundCheckApp", "--yes"], env)
    })
    expect([...used].sort()).toEqual([...granted("queues.json")].sort())
  })
})
