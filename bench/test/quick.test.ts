/**
 * The benchmark in quick mode (tiny counts, one run, no verdict), so that the harness never rots:
 * every scenario runs with every contender against the local SQS process, each contender settles
 * every message without duplicates, and the JSON, Markdown and chart are written. Speed is never
 * asserted here; `./dev bench` measures it.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect, it } from "vitest"
import type { Results } from "../src/results.ts"

const benchDir = fileURLToPath(new URL("..", import.meta.url))
const resultsDir = mkdtempSync(join(tmpdir(), "bench-quick-"))
afterAll(() => rmSync(resultsDir, { recursive: true, force: true }))

it("runs every scenario with every contender, settles every message once, and writes the results", async () => {
  const child = spawn(process.execPath, ["--conditions=@bgcheck/source", "src/main.ts"], {
    cwd: benchDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", QUICK: "1", RESULTS_DIR: resultsDir }
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

  const results = JSON.parse(readFileSync(join(resultsDir, "results.json"), "utf8")) as Results
  expect(results.scenarios.map((s) => s.id)).toEqual([
    "drain",
    "drain-20ms",
    "steady",
    "handler-50ms",
    "slow-messages",
    "send",
    "send-20ms",
    "memory",
    "memory-app-flags"
  ])
  for (const scenario of results.scenarios) {
    for (const contender of scenario.contenders) {
      const context = `${scenario.id}: ${contender.name}`
      expect(contender.runs, context).toHaveLength(1)
      expect(contender.runs[0]!.settled, context).toBe(scenario.count)
      expect(contender.runs[0]!.capped, context).toBe(false)
      expect(contender.duplicates, context).toBe(0)
      expect(contender.runs[0]!.requestsPerMessage, context).toBeGreaterThan(0)
    }
  }
  const steady = results.scenarios.find((s) => s.id === "steady")!
  for (const contender of steady.contenders) expect(contender.p99, contender.name).toBeDefined()
  expect(results.idle.map((i) => i.name)).toContain("queue-core")
  for (const idle of results.idle) {
    expect(idle.rssMiB, idle.name).toBeGreaterThan(0)
    expect(idle.rssAppFlagsMiB, idle.name).toBeGreaterThan(0)
  }
  expect(results.idle.map((i) => i.name)).toContain("consumer app")
  expect(results.senderApp?.stored).toBe(results.senderApp?.lines)
  expect(results.senderApp?.peakRssMiB).toBeGreaterThan(0)
  expect(results.engine.map((e) => e.cpuMicrosPerMessage.median > 0)).toEqual([true, true])
  expect(readFileSync(join(resultsDir, "results.md"), "utf8")).toContain("| **queue-core** |")
  expect(readFileSync(join(resultsDir, "chart.svg"), "utf8")).toMatch(/^<svg[\s\S]*queue-core[\s\S]*<\/svg>$/)
}, 420_000)
