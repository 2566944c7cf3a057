/**
 * The benchmark in quick mode (tiny counts, one run, no verdict), so that the harness never rots:
 * every contender starts, drains, takes a steady flow and sends against the local SQS, and
 * leaves nothing behind. Speed is never asserted here; `./dev bench` measures it.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const benchDir = fileURLToPath(new URL("..", import.meta.url))

const QUICK = {
  MESSAGES: "40",
  CONCURRENCY: "20",
  HANDLER_MS: "5",
  STEADY_RATE: "100",
  STEADY_SECONDS: "1",
  SEND_MESSAGES: "100",
  IDLE_SECONDS: "1"
}

it("runs every part with every contender and leaves nothing behind", async () => {
  const child = spawn(process.execPath, ["--conditions=@bgcheck/source", "src/main.ts"], {
    cwd: benchDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...QUICK }
  })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve))
  expect(code, output).toBe(0)
  for (const part of [
    "Draining 40 messages",
    "Steady load: 100 messages/s for 1 s",
    "Sending 100 messages"
  ]) {
    expect(output).toContain(part)
  }
  for (const contender of ["@bgcheck/queue-core", "sqs-consumer", "squiss-ts", "sqs-producer"]) {
    expect(output).toContain(contender)
  }
}, 180_000)
