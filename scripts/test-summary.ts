/**
 * Adds up the vitest results of every package into one closing line: "Tests: N passed, N failed".
 * Fails when no test ran at all, so that a broken setup cannot pass as green.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

interface Results {
  readonly numPassedTests: number
  readonly numFailedTests: number
  readonly numPendingTests: number
}

const root = join(import.meta.dirname, "..")
const files = [
  ...["packages", "apps"].flatMap((dir) =>
    readdirSync(join(root, dir)).map((name) => join(root, dir, name, ".vitest", "results.json"))
  ),
  join(root, "bench", ".vitest", "results.json")
]
const results = files.filter(existsSync).map((file) => JSON.parse(readFileSync(file, "utf8")) as Results)
const sum = (key: keyof Results) => results.reduce((total, result) => total + result[key], 0)

const passed = sum("numPassedTests")
const failed = sum("numFailedTests")
const skipped = sum("numPendingTests")
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
if (passed + failed === 0) {
  console.error("no test ran")
  process.exit(1)
}
process.exit(failed > 0 ? 1 : 0)
