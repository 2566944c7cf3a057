/**
 * What the consumer prints for a message whose body tries to look like more than one message:
 * line breaks, carriage returns and bidi overrides come out escaped, one line per message, while
 * ordinary text (accents, other scripts, emoji, quotes) prints as it is.
 */
import { spawnApp, until } from "@bgcheck/app-kit/testing"
import { type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

let server: LocalSqsServer
beforeAll(async () => {
  server = await start({ queues: [{ name: "printed" }] })
})
afterAll(() => server.stop())

describe("the consumer's pretty output", () => {
  it("prints a body with line breaks and bidi overrides as one line, and ordinary text unchanged", async () => {
    const ordinary = `Grüße, 日本語, عربي, 🎉👍🏽 "quoted" back\\slash`
    server.enqueue("printed", ["a\n[fake-id] forged\rb", `evil\u202Etxt.exe\u2028next`, ordinary])
    const consumer = spawnApp("consumer", ["--queue", "printed", "--wait", "1s"], {
      SQS_ENDPOINT: server.endpoint
    })
    try {
      await until("three messages printed", () => consumer.stdout.length >= 3)
    } finally {
      consumer.child.kill("SIGTERM")
    }
    expect(await consumer.exited, consumer.stderr.join("\n")).toBe(0)
    const lines = consumer.stdout.filter((line) => line !== "")
    expect(lines, lines.join("\n")).toHaveLength(3)
    const id = String.raw`^\[[0-9a-f-]+\] `
    expect(
      lines.filter((line) => new RegExp(`${id}a\\\\n\\[fake-id\\] forged\\\\rb$`).test(line))
    ).toHaveLength(1)
    expect(
      lines.filter((line) => new RegExp(`${id}evil\\\\u202etxt\\.exe\\\\u2028next$`).test(line))
    ).toHaveLength(1)
    expect(lines.filter((line) => line.endsWith(`] ${ordinary}`))).toHaveLength(1)
    for (const line of lines) expect(line).not.toMatch(/[\r\u2028\u202e]/)
  }, 45_000)
})
