import { spawnSync } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { REPORT_LOCAL_SQS_LOAD, runApp, spawnApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { Cause, Effect, Exit, Stream } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Attributes from "../src/attributes.ts"
import * as Messages from "../src/messages.ts"

describe("messages from flags", () => {
  const collect = <A, E>(stream: Stream.Stream<A, E>) => Effect.runSync(Stream.runCollect(stream))

  it("numbers copies only when there is more than one", () => {
    expect(collect(Messages.copies("Hello World", 1)).map((m) => m.body)).toEqual(["Hello World"])
    expect(collect(Messages.copies("Hi", 3)).map((m) => m.body)).toEqual(["Hi (1/3)", "Hi (2/3)", "Hi (3/3)"])
  })

  const bytes = (...chunks: Array<string | ReadonlyArray<number>>) =>
    Stream.fromIterable(
      chunks.map((chunk) =>
        typeof chunk === "string" ? new TextEncoder().encode(chunk) : Uint8Array.from(chunk)
      )
    )
  const decodeExit = (stream: Stream.Stream<Uint8Array>) =>
    Effect.runSyncExit(Stream.runCollect(Messages.decodeLines(stream)))

  it("takes one message per non-empty line, across chunk boundaries, and keeps line numbers for errors", () => {
    expect(collect(Messages.decodeLines(bytes('a\r\n{"x":', " 1}\n\nb\n")))).toEqual([
      { label: "line 1", number: 1, body: "a" },
      { label: "line 2", number: 2, body: '{"x": 1}' },
      { label: "line 4", number: 4, body: "b" }
    ])
    // A character cut across chunks is whole again.
    expect(collect(Messages.decodeLines(bytes([0x63, 0x61, 0x66, 0xc3], [0xa9, 0x0a], "\u{1F600}")))).toEqual(
      [
        { label: "line 1", number: 1, body: "café" },
        { label: "line 2", number: 2, body: "\u{1F600}" }
      ]
    )
  })

  it("refuses bytes that are not UTF-8, naming their line, wherever the chunks break", () => {
    const lineOf = (exit: Exit.Exit<unknown, unknown>) =>
      Exit.isFailure(exit) ? (Cause.squash(exit.cause) as Messages.InvalidUtf8).line : undefined
    // An invalid byte, an encoded surrogate (CESU-style), an overlong form, a sequence cut short by
    // a line break, one cut short by the end, and a stray continuation byte.
    expect(lineOf(decodeExit(bytes("ok\n\nbad ", [0xff], " byte\nafter\n")))).toBe(3)
    expect(lineOf(decodeExit(bytes("ok\n", [0xed, 0xa0, 0x80], "\n")))).toBe(2)
    expect(lineOf(decodeExit(bytes([0xc0, 0xaf])))).toBe(1)
    expect(lineOf(decodeExit(bytes("a\rb\n", [0xe2, 0x82], "\nc\n")))).toBe(3)
    expect(lineOf(decodeExit(bytes("a\nb", [0xe2, 0x82])))).toBe(2)
    expect(lineOf(decodeExit(bytes("a\n", [0xe2], [0x82], [0x41], "\n")))).toBe(2)
    expect(lineOf(decodeExit(bytes("a\n\n", [0x80])))).toBe(3)
    // Line by line, one byte a chunk.
    const text = [
      ...new TextEncoder().encode("x\r\ny\n"),
      0xf0,
      0x9f,
      0x98,
      0x80,
      0x0a,
      0xf0,
      0x9f,
      0x98,
      0x0a
    ]
    expect(lineOf(decodeExit(bytes(...text.map((byte) => [byte]))))).toBe(4)
    expect(lineOf(decodeExit(bytes(text)))).toBe(4)
  })

  it("reads typed attributes and rejects malformed ones", () => {
    const parsed = Effect.runSync(Attributes.parse(["a=x=y", "n:Number=1", "b:Binary=aGk="]))
    expect(parsed.a).toEqual({ dataType: "String", value: "x=y" })
    expect(parsed.n).toEqual({ dataType: "Number", value: "1" })
    expect(Buffer.from((parsed.b as { value: Uint8Array }).value).toString()).toBe("hi")
    const bad = Effect.runSyncExit(Attributes.parse(["novalue"]))
    expect(Exit.isFailure(bad)).toBe(true)
  })

  it("reads Binary attributes as strict base64 only", () => {
    const decoded = (text: string) => {
      const exit = Effect.runSyncExit(Attributes.parse([`b:Binary=${text}`]))
      return Exit.isSuccess(exit)
        ? Buffer.from((exit.value.b as { value: Uint8Array }).value).toString("latin1")
        : undefined
    }
    expect(decoded("aGk=")).toBe("hi")
    expect(decoded("aGVsbG8h")).toBe("hello!")
    expect(decoded("+/8=")).toBe("\u00fb\u00ff")
    // Not base64, empty, unpadded, URL-safe, with spaces, stray bits, padding in the middle.
    for (const text of ["!!!", "", "aGk", "-_8=", "aG k=", "aGl=", "aG==aGk="]) {
      expect(decoded(text), text).toBeUndefined()
    }
  })
})

// Each test starts the app as a process (two for the local SQS check): on a CI machine busy with
// the whole suite, a start can take several seconds.
describe("the sender, as a process", { timeout: 30_000 }, () => {
  let server: LocalSqsServer
  let env: Record<string, string>
  beforeAll(async () => {
    server = await start({ queues: BACKGROUND_CHECK_QUEUES })
    env = { SQS_ENDPOINT: server.endpoint }
  })
  afterAll(() => server.stop())
  beforeEach(() => server.reset())

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

  it("reads stdin whole, then sends one message per non-empty line", async () => {
    const running = spawnApp("sender", ["--file", "-", "--output", "json"], env)
    running.child.stdin.end("first\n\nsecond\r\nthird")
    expect(await running.exited, running.stderr.join("\n")).toBe(0)
    expect(JSON.parse(running.stdout[0]!)).toMatchObject({ sent: 3, failed: 0 })
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(3)
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
    const result = await runApp("sender", ["--file", path], env).finally(() => rmSync(path, { force: true }))
    server.clearFaults()
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("failed line 7: InvalidMessageContents: injected fault")
    expect(result.stderr).toContain("sender: 1 message(s) failed")
    expect(result.stderr.some((line) => line.startsWith("19 sent, 1 failed to BackgroundCheckApp"))).toBe(
      true
    )
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
    try {
      const code = await running.exited
      expect(code, running.stderr.join("\n")).toBe(0)
      expect(JSON.parse(running.stdout[0]!)).toMatchObject({ sent: 25_000, failed: 0 })
      expect(server.inspect("BackgroundCheckApp")?.ready).toBe(25_000)
    } finally {
      rmSync(path, { force: true })
    }
    // Its resident memory is measured by the benchmark (`./dev bench`, the sender app streaming
    // 1,000,000 lines), not here.
  }, 30_000)
})
