import { writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Attributes from "../src/attributes.ts"
import * as Messages from "../src/messages.ts"

describe("messages from flags", () => {
  it("numbers copies only when there is more than one", () => {
    expect(Messages.copies("Hello World", 1).map((m) => m.body)).toEqual(["Hello World"])
    expect(Messages.copies("Hi", 3).map((m) => m.body)).toEqual(["Hi (1/3)", "Hi (2/3)", "Hi (3/3)"])
  })

  it("takes one message per non-empty line and keeps line numbers for errors", () => {
    expect(Messages.lines('a\r\n{"x": 1}\n\nb\n')).toEqual([
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

  it("sends N numbered copies and reports a summary as JSON", async () => {
    const result = await runApp("sender", ["--count", "25", "--log-format", "json"], env)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout[0]!)).toMatchObject({ sent: 25, failed: 0, failures: [] })
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(25)
  })

  it("refuses a non-numeric count", async () => {
    expect(await oneLineFailure(["--count", "abc"], 2)).toBe(
      'sender: Invalid value for flag --count: "abc". Expected: a whole number from 1 to 1000000 (see sender --help)'
    )
  })

  it("sends nothing from a file when one line is too large, and names the line", async () => {
    const path = join(tmpdir(), `sender-${process.pid}.txt`)
    writeFileSync(path, `first\n${"x".repeat(1_048_577)}\nthird\n`)
    expect(await oneLineFailure(["--file", path], 2)).toBe(
      "sender: line 2: the message is 1048577 bytes, over the maximum of 1048576 bytes for queue BackgroundCheckApp (nothing was sent)"
    )
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(0)
  })

  it("refuses characters SQS rejects", async () => {
    expect(await oneLineFailure(["--body", "bell \u0007"], 2)).toContain("U+0007 at index 5")
    expect(server.inspect("BackgroundCheckApp")?.ready).toBe(0)
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
