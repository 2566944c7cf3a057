import { spawnSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { REPORT_LOCAL_SQS_LOAD, runApp, spawnApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { Effect, Exit, Stream } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Attributes from "../src/attributes.ts"
import * as Messages from "../src/messages.ts"

describe("messages from flags", () => {
  const collect = <A>(stream: Stream.Stream<A>) => Effect.runSync(Stream.runCollect(stream))

  it("numbers copies only when there is more than one", () => {
    expect(collect(Messages.copies("Hello World", 1)).map((m) => m.body)).toEqual(["Hello World"])
    expect(collect(Messages.copies("Hi", 3)).map((m) => m.body)).toEqual(["Hi (1/3)", "Hi (2/3)", "Hi (3/3)"])
  })

  it("takes one message per non-empty line, across chunk boundaries, and keeps line numbers for errors", () => {
    expect(collect(Messages.lines(Stream.make('a\r\n{"x":', " 1}\n\nb\n")))).toEqual([
      { label: "line 1", body: "a" },
      { label: "line 2", body: '{"x": 1}' },
      { label: "line 4", body: "b" }
    ])
  })

  it("reads typed attributes and rejects malformed ones", () => {
    const parsed = Effect.runSync(Attributes.parse(["a=x=y", "n:Number=1", "b:Binary=aGk="]))
    expect(parsed.a).toEqual({ dataType: "String", value: "x=y" })
    expect(parsed.n).toEqual({ dataType: "Number", value: "1" })
    expect(Buffer.from((parsed.b as { value: Uint8Array }).value).toString()).toBe("hi")
    const bad = Effect.runSyncExit(Attributes.parse(["novalue"]))
    expect(Exit.isFailure(bad)).toBe(true)
  })
})

describe("the sender, as a process", () => {
  let server: LocalSqsServer
  let env: Record<string, string>
  beforeAll(async () => {
    server = await start({ queues: BACKGROUND_CHECK_QUEUES })
    env = { SQS_ENDPOINT: server.endpoint }
  })
  afterAll(() => server.stop())
  beforeEach(() => server.reset())

  const oneLineFailure = async (args: ReadonlyArray<string>, code: number) => {
    const result = await runApp("sender", args, env)
    expect(result.code).toBe(code)
    const errors = result.stderr.filter((line) => line.startsWith("sender:"))
    expect(errors).toHaveLength(1)
    expect(result.stderr.join("\n")).not.toMatch(/^\s+at /m)
    return errors[0]!
  }

  it("sends Hello World to BackgroundCheckApp by default and prints its id", async () => {
    const result = await runApp("sender", [], env)
    expect(result.code).toBe(0)
    expect(result.stdout[0]).toMatch(/^sent [0-9a-f-]{36}$/)
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(1)
  })

  it("takes its flags after a leading --, as pnpm passes them on", async () => {
    const result = await runApp("sender", ["--", "--body", "after the separator"], env)
    expect(result.code, result.stderr.join("\n")).toBe(0)
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(1)
  })

  it("does not load the embedded local SQS when it talks to a given endpoint", async () => {
    const result = await runApp("sender", [], env, { preload: REPORT_LOCAL_SQS_LOAD })
    expect(result.code).toBe(0)
    expect(result.stderr).not.toContain("local-sqs loaded")
    // The check itself works: the local SQS's own command loads it.
    const control = spawnSync(
      process.execPath,
      [
        "--conditions=@bgcheck/source",
        `--import=${REPORT_LOCAL_SQS_LOAD}`,
        fileURLToPath(new URL("../../../packages/local-sqs/src/cli.ts", import.meta.url)),
        "--help"
      ],
      { encoding: "utf8" }
    )
    expect(control.stderr).toContain("local-sqs loaded")
  })

  it("sends N numbered copies and reports a summary as JSON", async () => {
    const result = await runApp("sender", ["--count", "25", "--output", "json"], env)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout[0]!)).toMatchObject({ sent: 25, failed: 0, failures: [] })
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(25)
  })

  it("refuses a non-numeric count", async () => {
    expect(await oneLineFailure(["--count", "abc"], 2)).toBe(
      'sender: Invalid value for flag --count: "abc". Expected: a whole number from 1 to 100000000 (see sender --help)'
    )
  })

  it("sends nothing from a file when one line is too large, and names the line", async () => {
    const path = join(tmpdir(), `sender-${process.pid}.txt`)
    writeFileSync(path, `first\n${"x".repeat(1_048_577)}\nthird\n`)
    expect(await oneLineFailure(["--file", path], 2)).toBe(
      "sender: line 2: the message is 1048577 bytes, over the maximum of 1048576 bytes for queue BackgroundCheckApp " +
        "(1 invalid of 3; nothing was sent)"
    )
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(0)
  })

  it("refuses characters SQS rejects", async () => {
    expect(await oneLineFailure(["--body", "bell \u0007"], 2)).toContain("U+0007 at index 5")
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(0)
  })

  it("lists the messages SQS refused, by line, and exits 1", async () => {
    const path = join(tmpdir(), `sender-refused-${process.pid}.txt`)
    writeFileSync(path, Array.from({ length: 20 }, (_, i) => `job ${i + 1}`).join("\n"))
    let draws = 0
    server.injectFaults({
      action: "SendMessageBatch",
      entryFailureRate: 0.5,
      code: "InvalidMessageContents",
      senderFault: true,
      random: () => (draws++ === 6 ? 0 : 1)
    })
    const result = await runApp("sender", ["--file", path], env)
    server.clearFaults()
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("failed line 7: InvalidMessageContents: injected fault")
    expect(result.stderr).toContain("sender: 1 message(s) failed")
    expect(result.stderr.some((line) => line.startsWith("19 sent, 1 failed to BackgroundCheckApp"))).toBe(
      true
    )
  })

  it("says which file it cannot read", async () => {
    expect(await oneLineFailure(["--file", "/no/such/file"], 2)).toBe(
      "sender: cannot read --file /no/such/file: no such file"
    )
  })

  it("names the queue and where it looked when the queue does not exist", async () => {
    expect(await oneLineFailure(["--queue", "Nope"], 1)).toContain(
      `queue "Nope" does not exist at ${server.endpoint}`
    )
  })

  it("says what to start when the endpoint is unreachable", async () => {
    const line = await oneLineFailure(["--endpoint", "http://127.0.0.1:9"], 1)
    expect(line).toContain("cannot reach SQS at http://127.0.0.1:9 (connection refused)")
    expect(line).toContain("pnpm local-sqs")
  })
})

describe("the sender with a large file", () => {
  let server: LocalSqsServer
  beforeAll(async () => {
    server = await start({ queues: BACKGROUND_CHECK_QUEUES })
  })
  afterAll(() => server.stop())

  it("sends 25,000 lines (50 MiB) from a file within a 64 MiB heap", async () => {
    const path = join(tmpdir(), `sender-bulk-${process.pid}.txt`)
    const line = "x".repeat(2048)
    writeFileSync(path, Array.from({ length: 25_000 }, (_, i) => `${i} ${line}`).join("\n"))
    // Holding the file's lines would take over 100 MiB of heap (UTF-16 strings): the sender
    // would run out of memory instead of finishing.
    const running = spawnApp("sender", ["--file", path, "--output", "json"], {
      SQS_ENDPOINT: server.endpoint,
      NODE_OPTIONS: "--max-old-space-size=64"
    })
    let peakKiB = 0
    const sample = setInterval(() => {
      const status = readFileSync(`/proc/${running.child.pid}/status`, "utf8")
      peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0))
    }, 25)
    const code = await running.exited
    clearInterval(sample)
    expect(code, running.stderr.join("\n")).toBe(0)
    const summary = JSON.parse(running.stdout[0]!)
    expect(summary).toMatchObject({ sent: 25_000, failed: 0 })
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(25_000)
    console.log(
      `sender: 25,000 lines (50 MiB), peak RSS ${(peakKiB / 1024).toFixed(0)} MiB, ${summary.messagesPerSecond} messages/s`
    )
  }, 120_000)
})
