import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DataDirError, start } from "../src/index.ts"

const PACKAGE_DIR = new URL("..", import.meta.url).pathname
/**
 * A hang must fail the test, not the run: a child that has not exited by then is killed. Alone it
 * exits within a second; a CI machine running the whole suite has taken over 8 s to start it.
 */
const HANG_LIMIT_MS = 30_000

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs Node on the package's sources; `whenOut` sees stdout as it grows and may stop the child
 * (SIGTERM) by returning true.
 */
const runNode = (args: ReadonlyArray<string>, whenOut: (stdout: string) => boolean = () => false) =>
  new Promise<Exit>((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=@bgcheck/source", ...args], {
      cwd: PACKAGE_DIR,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const killer = setTimeout(() => child.kill("SIGKILL"), HANG_LIMIT_MS)
    child.stdout.on("data", (chunk) => {
      stdout += chunk
      if (whenOut(stdout)) child.kill("SIGTERM")
    })
    child.stderr.on("data", (chunk) => {
      stderr += chunk
    })
    child.once("error", reject)
    child.once("close", (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr })
    })
  })

const cli = (...args: ReadonlyArray<string>) => runNode(["src/cli.ts", "--port", "0", ...args])

const procfs = existsSync("/proc/self")

describe("a bad --data-dir", { timeout: HANG_LIMIT_MS + 15_000 }, () => {
  let scratch: string
  let regularFile: string
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "local-sqs-data-dir-"))
    regularFile = join(scratch, "a-file")
    writeFileSync(regularFile, "not a directory")
  })
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it("that is a regular file: the CLI prints one line and exits 2", async () => {
    const exit = await cli("--data-dir", regularFile)
    expect(exit).toEqual({
      code: 2,
      signal: null,
      stdout: "",
      stderr: `local-sqs: --data-dir ${regularFile}: not a directory\n`
    })
  })

  it.runIf(procfs)("that cannot be created (/proc/nope): the CLI prints one line and exits 2", async () => {
    // Node's recursive mkdir loops forever on this path; the child is killed if it hangs.
    const exit = await cli("--data-dir", "/proc/nope")
    expect(exit).toEqual({
      code: 2,
      signal: null,
      stdout: "",
      stderr:
        "local-sqs: --data-dir /proc/nope: cannot create the directory (ENOENT: no such file or directory, mkdir '/proc/nope')\n"
    })
  })

  it.runIf(procfs)("that is not writable (/proc): the CLI prints one line and exits 2", async () => {
    const exit = await cli("--data-dir", "/proc")
    expect(exit.code).toBe(2)
    expect(exit.stderr).toMatch(
      /^local-sqs: --data-dir \/proc: cannot write in the directory \(E[A-Z]+: [^\n]*\)\n$/
    )
  })

  it("makes start reject with a DataDirError", async () => {
    const error = await start({ dataDir: regularFile }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DataDirError)
    expect(error).toMatchObject({
      path: regularFile,
      message: `data directory ${regularFile}: not a directory`
    })
    const nested = join(regularFile, "sub")
    await expect(start({ dataDir: nested })).rejects.toThrow(
      `data directory ${nested}: cannot create the directory (ENOTDIR`
    )
  })

  it("that holds a broken database: start rejects with a DataDirError", async () => {
    const dir = join(scratch, "broken")
    await start({ dataDir: dir }).then((server) => server.stop())
    writeFileSync(join(dir, "fauxqs.db"), "x".repeat(4096))
    await expect(start({ dataDir: dir })).rejects.toThrow(`data directory ${dir}: cannot open its database`)
  })

  it.runIf(procfs)("that cannot be created (/proc/nope): start rejects rather than spin", async () => {
    // In a child process, so that a synchronous spin fails this test instead of freezing the run.
    const script =
      'import { start } from "./src/index.ts"\n' +
      'start({ dataDir: "/proc/nope" }).then(() => process.exit(0), (e) => {\n' +
      '  process.stderr.write(e.name + ": " + e.message + "\\n")\n' +
      "  process.exit(3)\n" +
      "})"
    const exit = await runNode(["--input-type=module", "--eval", script])
    expect(exit.code).toBe(3)
    expect(exit.stderr).toBe(
      "DataDirError: data directory /proc/nope: cannot create the directory (ENOENT: no such file or directory, mkdir '/proc/nope')\n"
    )
  })
})

describe("a good --data-dir", { timeout: HANG_LIMIT_MS + 15_000 }, () => {
  it("is created with its missing parents, and the CLI listens", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "local-sqs-data-dir-"))
    const dataDir = join(scratch, "new", "nested")
    try {
      const exit = await runNode(["src/cli.ts", "--port", "0", "--data-dir", dataDir], (stdout) =>
        stdout.includes("BackgroundCheckApp-dlq")
      )
      expect(exit.stdout).toMatch(/^local SQS listening on http:\/\/127\.0\.0\.1:\d+ /)
      expect(exit).toMatchObject({ code: 0, stderr: "" })
      expect(statSync(join(dataDir, "fauxqs.db")).isFile()).toBe(true)
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  })
})
