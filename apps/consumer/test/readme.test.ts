/**
 * The README's app commands, exactly as written (through `./dev`, as a reader types them), against
 * a local SQS given by SQS_ENDPOINT so that they do not depend on what runs on port 4566.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import {
  BACKGROUND_CHECK_BUCKETS,
  BACKGROUND_CHECK_QUEUES,
  type LocalSqsServer,
  PAYLOAD_BUCKET,
  start
} from "@bgcheck/local-sqs"
import { afterAll, describe, expect, it } from "vitest"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const readme = readFileSync(`${repoRoot}README.md`, "utf8")

/** Every `./dev --filter <app> start ...` the README shows, in code blocks or inline. */
const allCommands = [
  ...new Set(
    [...readme.matchAll(/\.\/dev --filter (?:consumer|sender|status-reporter) start(?: -- [^`\n#|]*)?/g)].map(
      (match) => match[0].trim()
    )
  )
]
/** The large-message example has a test of its own. */
const isLargeMessageExample = (command: string) => command.includes("--payload-bucket")
const commands = allCommands.filter((command) => !isLargeMessageExample(command))

const servers: Array<LocalSqsServer> = []
afterAll(() => Promise.all(servers.map((server) => server.stop())))

const run = (command: string, server: LocalSqsServer) => {
  // In a process group of its own, as a terminal runs a command, so that Ctrl-C reaches all of it.
  const child = spawn("bash", ["-c", `exec ${command}`], {
    cwd: repoRoot,
    env: { ...process.env, SQS_ENDPOINT: server.endpoint, LOG_FORMAT: "pretty" },
    detached: true
  }) as ChildProcessWithoutNullStreams
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve))
  /** What Ctrl-C in a terminal does: SIGINT to the whole process group. */
  const interrupt = () => process.kill(-child.pid!, "SIGINT")
  return { child, exited, interrupt, stdout: () => stdout, stderr: () => stderr }
}

const until = async (condition: () => boolean, what: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe("the README's commands, as written", () => {
  it("shows the consumer with the lab's settings, the sender and the status reporter", () => {
    expect(commands).toEqual(
      expect.arrayContaining([
        "./dev --filter consumer start",
        "./dev --filter consumer start -- --max-messages 2 --wait 7s",
        "./dev --filter sender start",
        "./dev --filter status-reporter start"
      ])
    )
  })

  it("each consumer command receives what the sender and the status reporter send, and stops on Ctrl-C", async () => {
    // Each consumer command with a local SQS of its own, at the same time.
    const consumerCommands = commands.filter((each) => each.includes("consumer"))
    await Promise.all(
      consumerCommands.map(async (command) => {
        const server = await start({ queues: BACKGROUND_CHECK_QUEUES })
        servers.push(server)
        const consumer = run(command, server)
        await until(() => consumer.stderr().includes("consuming "), `${command} to start`)
        for (const other of commands.filter((each) => !each.includes("consumer"))) {
          const result = run(other, server)
          expect(await result.exited, `${other}: ${result.stderr()}`).toBe(0)
        }
        await until(
          () => consumer.stdout().includes('"status":"completed"'),
          `${command} to print the statuses`
        )
        const printed = consumer
          .stdout()
          .split("\n")
          .filter((line) => line.trim() !== "")
        expect(printed[0]).toMatch(/^\[[0-9a-f-]{36}\] Hello World$/)
        expect(
          printed.slice(1).map((line) => JSON.parse(line.replace(/^\[[0-9a-f-]{36}\] /, "")).status)
        ).toEqual(["not-started", "started", "completed"])
        consumer.interrupt()
        expect(await consumer.exited, consumer.stderr()).toBe(0)
        expect(consumer.stderr()).toMatch(/consumer stopped: received 4, processed 4, failed 0/)
      })
    )
  }, 120_000)

  it("sends the large-message example through S3: a pointer in the queue, the body in the bucket", async () => {
    const block = /```sh\n(node -e [^\n]*)\n(\.\/dev --filter sender start -- [^\n]*)\n```/.exec(readme)
    expect(block, "the README's large-message example").not.toBeNull()
    expect(allCommands.filter(isLargeMessageExample)).toEqual([block![2]])
    const server = await start({ queues: BACKGROUND_CHECK_QUEUES, buckets: BACKGROUND_CHECK_BUCKETS })
    servers.push(server)
    for (const command of [block![1]!, block![2]!]) {
      const result = run(command, server)
      expect(await result.exited, `${command}: ${result.stderr()}`).toBe(0)
    }
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(1)
    expect(server.objectKeys(PAYLOAD_BUCKET)).toHaveLength(1)
    expect(server.requestCounts()).toMatchObject({ "S3.PutObject": 1 })
  }, 120_000)

  it("runs each queues command in the order shown, against the lab's queues", async () => {
    const queuesCommands = [...readme.matchAll(/^\.\/dev queues [^#\n]*/gm)].map((match) => match[0].trim())
    expect(queuesCommands.map((command) => command.split(" ")[2])).toEqual([
      "list",
      "describe",
      "create",
      "peek",
      "redrive",
      "purge"
    ])
    const server = await start({ queues: BACKGROUND_CHECK_QUEUES })
    servers.push(server)
    server.enqueue("BackgroundCheckApp", ["one", "two"])
    server.enqueue("BackgroundCheckApp-dlq", ["dead 1", "dead 2", "dead 3"])
    const outputs: Array<string> = []
    for (const command of queuesCommands) {
      const result = run(command, server)
      expect(await result.exited, `${command}: ${result.stderr()}`).toBe(0)
      outputs.push(result.stdout())
    }
    expect(outputs[0]).toMatch(/^BackgroundCheckApp\s+standard\s+2\s+0\s+0\s+BackgroundCheckApp-dlq/m)
    expect(outputs[1]).toMatch(/dead-letter queue\s+BackgroundCheckApp-dlq after 5 receives: 3 visible/)
    expect(server.inspect("Orders-dlq")).toBeDefined()
    expect(outputs[3]!.split("\n").filter((line) => line !== "")).toHaveLength(3)
    expect(outputs[4]).toContain("moved 3 message(s) from BackgroundCheckApp-dlq to BackgroundCheckApp")
    // The purge came last: nothing is left of the two messages and the three moved back.
    expect(server.inspect("BackgroundCheckApp")).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
  }, 120_000)
})
