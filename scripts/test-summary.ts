/**
 * Adds up the vitest results of every package into one closing line: "Tests: N passed, N failed".
 * Names each failed test with the first line of its error just above that line, so that the tail
 * of a long CI log always says what failed. Fails when no test ran at all, so that a broken setup
 * cannot pass as green.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { stripVTControlCharacters } from "node:util"

interface Assertion {
  readonly fullName: string
  readonly status: string
  readonly failureMessages: ReadonlyArray<string>
}

interface Results {
  readonly numPassedTests: number
  readonly numFailedTests: number
  readonly numPendingTests: number
  readonly testResults: ReadonlyArray<{
    readonly name: string
    readonly message?: string
    readonly status: string
    readonly assertionResults: ReadonlyArray<Assertion>
  }>
}

const root = join(import.meta.dirname, "..")
const files = [
  ...["packages", "apps"].flatMap((dir) =>
    readdirSync(join(root, dir)).map((name) => join(root, dir, name, ".vitest", "results.json"))
  ),
  join(root, "bench", ".vitest", "results.json")
]
const results = files.filter(existsSync).map((file) => JSON.parse(readFileSync(file, "utf8")) as Results)
const sum = (key: "numPassedTests" | "numFailedTests" | "numPendingTests") =>
  results.reduce((total, result) => total + result[key], 0)

/** The first non-empty line of an error, without colour codes. */
const firstLine = (text: string | undefined) =>
  stripVTControlCharacters(text ?? "")
    .split("\n")
    .find((line) => line.trim() !== "") ?? ""

for (const file of results.flatMap((result) => result.testResults)) {
  const name = relative(root, file.name)
  const failed = file.assertionResults.filter((test) => test.status === "failed")
  // A file that failed as a whole (a hook, an import) has no failed test to name.
  if (file.status === "failed" && failed.length === 0)
    console.error(`FAILED ${name}: ${firstLine(file.message)}`)
  for (const test of failed) {
    console.error(`FAILED ${name} > ${test.fullName}: ${firstLine(test.failureMessages[0])}`)
  }
}

const passed = sum("numPassedTests")
const failed = sum("numFailedTests")
const skipped = sum("numPendingTests")
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
if (passed + failed === 0) {
  console.error("no test ran")
  process.exit(1)
}
process.exit(failed > 0 ? 1 : 0)
