/**
 * `scripts/bootstrap.sh`, sourced as the README tells a reader to (`. scripts/bootstrap.sh` in an
 * interactive shell) and as `./dev` sources it: the toolchain goes first on PATH, the caller's
 * shell options stay as they were, and a missing npm is one line and a failure, not a closed shell.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const bash = execFileSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).trim()

const run = (script: string, env: Record<string, string> = {}) =>
  spawnSync(bash, ["-c", script], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    timeout: 30_000
  })

describe("scripts/bootstrap.sh, sourced", () => {
  it("puts the toolchain first on PATH and leaves the caller's shell options as they were", () => {
    // The toolchain is installed already (the tests run through it), so sourcing installs nothing.
    const optionsDir = mkdtempSync(join(tmpdir(), "bootstrap-options-"))
    const result = run(
      `set -o > "$OPTIONS_DIR/before"
       . scripts/bootstrap.sh
       echo "sourced: $?"
       set -o > "$OPTIONS_DIR/after"
       diff "$OPTIONS_DIR/before" "$OPTIONS_DIR/after" && echo "options unchanged"
       echo "pnpm: $(command -v pnpm)"
       false
       echo still-here`,
      { OPTIONS_DIR: optionsDir }
    )
    rmSync(optionsDir, { recursive: true, force: true })
    expect(result.stdout.split("\n"), result.stderr).toEqual([
      "sourced: 0",
      "options unchanged",
      `pnpm: ${repoRoot}.toolchain/bin/pnpm`,
      "still-here",
      ""
    ])
    expect(result.status).toBe(0)
  })

  it("keeps the caller's own strict options, as ./dev sets them", () => {
    const result = run(
      `set -euo pipefail; . scripts/bootstrap.sh; set -o | grep -E '^(errexit|nounset|pipefail) '`
    )
    expect(result.stdout.split("\n").map((line) => line.split(/\s+/).join(" "))).toEqual([
      "errexit on",
      "nounset on",
      "pipefail on",
      ""
    ])
    expect(result.status).toBe(0)
  })

  it("fails with one line when npm is missing, without closing the shell that sourced it", () => {
    // An empty toolchain directory and a PATH with no npm on it: only what the script itself runs.
    const prefix = mkdtempSync(join(tmpdir(), "bootstrap-prefix-"))
    const bin = mkdtempSync(join(tmpdir(), "bootstrap-bin-"))
    for (const tool of ["dirname"])
      symlinkSync(
        execFileSync(bash, ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(),
        join(bin, tool)
      )
    const env = { PATH: bin, BGCHECK_TOOLCHAIN_DIR: prefix }
    try {
      const sourced = run(`. scripts/bootstrap.sh; echo "sourced: $?"`, env)
      expect(sourced.stdout.split("\n")[0]).toBe("sourced: 1")
      expect(sourced.stderr.split("\n").filter((line) => line.includes("npm"))).toEqual([
        "bootstrap: npm is needed to install Node 24.22.3; install Node.js and npm first"
      ])
      expect(sourced.status).toBe(0)

      // Under ./dev's options, the failure stops the script that sourced it.
      const strict = run(`set -euo pipefail; . scripts/bootstrap.sh; echo not-reached`, env)
      expect(strict.stdout).toBe("")
      expect(strict.status).toBe(1)
    } finally {
      rmSync(prefix, { recursive: true, force: true })
      rmSync(bin, { recursive: true, force: true })
    }
  })
})
