/**
 * Bad input to every app, as real processes: one row per case. Each must exit with its code (2
 * for bad input, 1 for other failures such as a missing queue or an unreachable endpoint), print
 * exactly one non-empty line on stderr (no stack trace, no list of suggestions) that says what is
 * wrong, print nothing on stdout, and send nothing.
 *
 * Every row gets its own empty queue (through SQS_QUEUE) on one shared local SQS, so that a row
 * that sent something is the row that fails. Rows run four at a time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { spawnApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

type App = "consumer" | "sender" | "status-reporter"

interface Row {
  /** Shown as the test's name; defaults to the app and its arguments. */
  readonly name?: string
  readonly app: App
  /** `{file}` is replaced by the path of `file`, `{dir}` by a directory of the row's own. */
  readonly args: ReadonlyArray<string>
  /** Added to (or overriding) SQS_ENDPOINT (the local SQS) and SQS_QUEUE (the row's own queue). */
  readonly env?: Readonly<Record<string, string>>
  /** Written to `{file}` before the app starts. */
  readonly file?: string | Uint8Array
  /** Written to the app's stdin (which is closed in any case). */
  readonly stdin?: string | Uint8Array
  readonly code: 1 | 2
  /** What the single line on stderr must match (after the app's name and a colon). */
  readonly stderr: RegExp
  /** The endpoint is unreachable: the client's warnings about its retries come before the line. */
  readonly retried?: true
}

const REFUSED = "http://127.0.0.1:9"
const OTHER_HOST_URL = "http://other-host.invalid/123456789012/name"
const LONG_LINE = "x".repeat(1_048_577)
const bytes = (...parts: Array<string | ReadonlyArray<number>>): Uint8Array =>
  Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))))
const attributes = (count: number) =>
  Array.from({ length: count }, (_, i) => ["--attribute", `a${i}=v`]).flat()

const flag = (name: string, value: string, expected: string) =>
  new RegExp(
    `^Invalid value for flag --${literal(name)}: "${literal(value)}"\\. Expected: ${literal(expected)} \\(see `
  )
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const ROWS: ReadonlyArray<Row> = [
  // consumer: every numeric and duration flag, out of range or malformed ("-1s" is both)
  ...(
    [
      ["max-messages", "11", "a whole number from 1 to 10"],
      ["max-messages", "0", "a whole number from 1 to 10"],
      ["max-messages", "ten", "a whole number from 1 to 10"],
      ["wait", "25s", "whole seconds from 0 to 20s, such as 5s or 20"],
      ["wait", "-1s", "whole seconds from 0 to 20s, such as 5s or 20"],
      ["max-in-flight", "0", "a whole number of at least 1"],
      ["max-in-flight", "abc", "a whole number of at least 1"],
      ["visibility-timeout", "0s", "whole seconds from 1s to 12h, such as 5s or 20"],
      ["visibility-timeout", "13h", "whole seconds from 1s to 12h, such as 5s or 20"],
      ["shutdown-timeout", "-1s", "a duration at least 0, such as 5s, 500ms or 2m"],
      ["shutdown-timeout", "soon", "a duration at least 0, such as 5s, 500ms or 2m"],
      ["work-time", "-1s", "a duration at least 0, such as 5s, 500ms or 2m"]
    ] as const
  ).map(
    ([name, value, expected]): Row => ({
      app: "consumer",
      args: [`--${name}`, value],
      code: 2,
      stderr: flag(name, value, expected)
    })
  ),
  ...["70000", "0", "http"].map(
    (value): Row => ({
      app: "consumer",
      args: ["--metrics-port", value],
      code: 2,
      stderr: flag("metrics-port (or METRICS_PORT)", value, "a whole number from 1 to 65535")
    })
  ),
  {
    app: "consumer",
    args: [],
    env: { METRICS_PORT: "99999" },
    code: 2,
    stderr: flag("metrics-port (or METRICS_PORT)", "99999", "a whole number from 1 to 65535")
  },
  {
    app: "consumer",
    args: ["--wiat", "5s"],
    code: 2,
    stderr: /^Unrecognized flag: --wiat \(did you mean --wait\?\)/
  },
  {
    app: "consumer",
    args: ["--log-format", "xml"],
    code: 2,
    stderr: flag("log-format (or LOG_FORMAT)", "xml", "pretty or json")
  },
  {
    app: "consumer",
    args: ["--queue", OTHER_HOST_URL],
    code: 2,
    stderr:
      /^queue URL http:\/\/other-host\.invalid\/123456789012\/name is on host other-host\.invalid, which differs from the endpoint's host 127\.0\.0\.1 .*: pass --endpoint http:\/\/other-host\.invalid .*or --queue name/
  },
  {
    app: "consumer",
    args: ["--queue", "Missing"],
    code: 1,
    stderr:
      /^queue "Missing" does not exist at http:\/\/127\.0\.0\.1:\d+: check --queue \/ SQS_QUEUE, --endpoint and --region, or create the queue$/
  },
  {
    app: "consumer",
    args: [],
    env: { SQS_ENDPOINT: REFUSED },
    code: 1,
    retried: true,
    stderr:
      /^cannot reach SQS at http:\/\/127\.0\.0\.1:9 \(connection refused\): start a local SQS with `pnpm local-sqs`/
  },

  // sender: numbers and durations
  ...(
    [
      ["count", "abc", "a whole number from 1 to 100000000"],
      ["count", "0", "a whole number from 1 to 100000000"],
      ["concurrency", "0", "a whole number from 1 to 100"],
      ["concurrency", "many", "a whole number from 1 to 100"],
      ["delay", "16m", "whole seconds from 0 to 15m, such as 5s or 20"],
      ["delay", "-1s", "whole seconds from 0 to 15m, such as 5s or 20"]
    ] as const
  ).map(
    ([name, value, expected]): Row => ({
      app: "sender",
      args: [`--${name}`, value],
      code: 2,
      stderr: flag(name, value, expected)
    })
  ),
  {
    app: "sender",
    args: ["--output", "xml"],
    code: 2,
    stderr: /^Invalid value for flag --output: "xml"\. Expected: "text" \| "json"/
  },
  { app: "sender", args: ["--bogus"], code: 2, stderr: /^Unrecognized flag: --bogus \(see sender --help\)$/ },
  {
    app: "sender",
    args: ["--log-level", "loud"],
    code: 2,
    stderr: /^Invalid value for flag --log-level: "loud"/
  },
  {
    app: "sender",
    args: [],
    env: { LOG_FORMAT: "xml" },
    code: 2,
    stderr: flag("log-format (or LOG_FORMAT)", "xml", "pretty or json")
  },
  {
    app: "consumer",
    args: ["--transport", "fast"],
    code: 2,
    stderr: /^--transport must be lean or sdk, got "fast"$/
  },
  {
    app: "status-reporter",
    args: [],
    env: { SQS_TRANSPORT: "http2" },
    code: 2,
    stderr: /^SQS_TRANSPORT must be lean or sdk, got "http2"$/
  },
  {
    app: "sender",
    args: [],
    env: { LOG_LEVEL: "nope" },
    code: 2,
    stderr:
      /^LOG_LEVEL must be one of all, trace, debug, info, warn, warning, error, fatal, none, got "nope"$/
  },
  {
    app: "sender",
    args: [],
    env: { SQS_ENDPOINT: "not a url" },
    code: 2,
    stderr: /^SQS_ENDPOINT must be an http\(s\) URL such as http:\/\/127\.0\.0\.1:4566, got "not a url"$/
  },
  {
    app: "sender",
    args: [],
    env: { SQS_QUEUE: "bad name!" },
    code: 2,
    stderr: /^"bad name!" is not a queue name, URL or ARN/
  },

  // sender: files and stdin
  { app: "sender", args: ["--file", ""], code: 2, stderr: /^--file needs a path \(or - for stdin\)$/ },
  {
    app: "sender",
    args: ["--file", "{dir}/missing.txt"],
    code: 2,
    stderr: /^cannot read --file .*\/missing\.txt: no such file$/
  },
  { app: "sender", args: ["--file", "{dir}"], code: 2, stderr: /^cannot read --file .*: it is a directory$/ },
  {
    name: "sender --file <empty file>",
    app: "sender",
    args: ["--file", "{file}"],
    file: "",
    code: 2,
    stderr: /^nothing to send: the file has no non-empty line$/
  },
  {
    name: "sender --file <a line over 1 MiB>",
    app: "sender",
    args: ["--file", "{file}"],
    file: `first\n${LONG_LINE}\nthird\n`,
    code: 2,
    stderr:
      /^line 2: the message is 1048577 bytes, over the maximum of 1048576 bytes for queue row-\d+; a payload bucket stores larger ones in S3 \(1 invalid of 3; nothing was sent\)$/
  },
  {
    app: "sender",
    args: ["--payload-bucket", "Bad_Bucket"],
    code: 2,
    stderr:
      /^the payload bucket must be an S3 bucket name \(3 to 63 lowercase letters, digits, dots and hyphens\), got "Bad_Bucket"$/
  },
  {
    name: "sender --file <a line over 1 MiB, a small one> --payload-bucket <missing>",
    app: "sender",
    args: ["--file", "{file}", "--payload-bucket", "no-such-bucket"],
    file: `small\n${LONG_LINE}\n`,
    code: 1,
    stderr: /^the bucket no-such-bucket does not exist at http:\/\/127\.0\.0\.1:\d+ \(nothing was sent\)$/
  },
  {
    name: "sender with SQS_PAYLOAD_BUCKET=x",
    app: "sender",
    args: [],
    env: { SQS_PAYLOAD_BUCKET: "x" },
    code: 2,
    stderr: /^the payload bucket must be an S3 bucket name .*, got "x"$/
  },
  {
    name: "sender --file <U+0007 on a line>",
    app: "sender",
    args: ["--file", "{file}"],
    file: "ok\nbell \u0007\n",
    code: 2,
    stderr:
      /^line 2: the body has a character SQS rejects \(U\+0007 at index 5\).*\(1 invalid of 2; nothing was sent\)$/
  },
  {
    name: "sender --file <invalid UTF-8 bytes>",
    app: "sender",
    args: ["--file", "{file}"],
    file: bytes("ok\nfine\nbad ", [0xff, 0xfe], " bytes\nafter\n"),
    code: 2,
    stderr: /^line 3: not valid UTF-8 \(nothing was sent\)$/
  },
  {
    name: "sender --file <an encoded lone surrogate (CESU-8)>",
    app: "sender",
    args: ["--file", "{file}"],
    file: bytes("ok\n", [0xed, 0xa0, 0x80], "\n"),
    code: 2,
    stderr: /^line 2: not valid UTF-8 \(nothing was sent\)$/
  },
  {
    name: "sender --file <a binary file>",
    app: "sender",
    args: ["--file", "{file}"],
    file: bytes([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52
    ]),
    code: 2,
    stderr: /^line 1: not valid UTF-8 \(nothing was sent\)$/
  },
  {
    name: "sender --file <an invalid line after a line SQS would reject>",
    app: "sender",
    args: ["--file", "{file}"],
    file: bytes(`${LONG_LINE}\nok\n`, [0xff], "\n"),
    code: 2,
    stderr: /^line 1: the message is 1048577 bytes, .*; line 3: not valid UTF-8 \(nothing was sent\)$/
  },
  {
    name: "sender --file - <invalid UTF-8 on stdin>",
    app: "sender",
    args: ["--file", "-"],
    stdin: bytes("ok\n", [0xed, 0xa0, 0x80], "\nafter\n"),
    code: 2,
    stderr: /^line 2: not valid UTF-8 \(nothing was sent\)$/
  },
  {
    name: "sender --file - <a line over 1 MiB on stdin>",
    app: "sender",
    args: ["--file", "-"],
    stdin: `first\n${LONG_LINE}\n`,
    code: 2,
    stderr: /^line 2: the message is 1048577 bytes, .*\(1 invalid of 2; nothing was sent\)$/
  },
  {
    name: "sender --file - <empty stdin>",
    app: "sender",
    args: ["--file", "-"],
    stdin: "",
    code: 2,
    stderr: /^nothing to send: stdin has no non-empty line$/
  },

  // sender: bodies, attributes and FIFO settings
  {
    app: "sender",
    args: ["--body", "bell \u0007"],
    code: 2,
    stderr: /^the body has a character SQS rejects \(U\+0007 at index 5\).*\(nothing was sent\)$/
  },
  {
    app: "sender",
    args: ["--body", "bell \u0007", "--count", "3"],
    code: 2,
    stderr: /^the body has a character SQS rejects \(U\+0007 at index 5\).*\(nothing was sent\)$/
  },
  {
    app: "sender",
    args: ["--attribute", "novalue"],
    code: 2,
    stderr:
      /^Invalid value for flag --attribute: "novalue"\. Expected: name=value, name:Number=1 or name:Binary=<base64>$/
  },
  {
    app: "sender",
    args: ["--attribute", "a:Foo=1"],
    code: 2,
    stderr: /^Invalid value for flag --attribute: "a:Foo=1"\. Expected: name=value/
  },
  {
    app: "sender",
    args: ["--attribute", "n:Number=abc"],
    code: 2,
    stderr: /^attribute "n" is of type Number but its value "abc" is not a number \(nothing was sent\)$/
  },
  ...["!!!", "", "aGk"].map(
    (value): Row => ({
      app: "sender",
      args: ["--attribute", `b:Binary=${value}`],
      code: 2,
      stderr: new RegExp(
        `^Invalid value for flag --attribute: "b:Binary=${literal(value)}"\\. Expected: a Binary value in base64`
      )
    })
  ),
  {
    app: "sender",
    args: ["--attribute", "AWS.x=1"],
    code: 2,
    stderr: /^attribute name "AWS\.x" is invalid: .*not starting with AWS\. or Amazon\. \(nothing was sent\)$/
  },
  {
    name: "sender --attribute ×11",
    app: "sender",
    args: attributes(11),
    code: 2,
    stderr: /^the message has 11 attributes, SQS allows at most 10 \(nothing was sent\)$/
  },
  {
    app: "sender",
    args: ["--dedup-id", "d1"],
    code: 2,
    stderr: /^a deduplication id is only valid on FIFO queues, and row-\d+ is standard \(nothing was sent\)$/
  },
  {
    app: "sender",
    args: ["--queue", "Jobs.fifo"],
    code: 2,
    stderr: /^queue Jobs\.fifo is FIFO: every message needs a group id \(nothing was sent\)$/
  },
  {
    app: "sender",
    args: ["--queue", "Jobs.fifo", "--group-id", "g", "--dedup-id", "d", "--delay", "5s"],
    code: 2,
    stderr: /^queue Jobs\.fifo is FIFO: per-message delays are not supported \(nothing was sent\)$/
  },

  // sender: queues and endpoints
  {
    app: "sender",
    args: ["--queue", OTHER_HOST_URL],
    code: 2,
    stderr:
      /^queue URL http:\/\/other-host\.invalid\/123456789012\/name is on host other-host\.invalid, which differs from the endpoint's host 127\.0\.0\.1/
  },
  {
    app: "sender",
    args: ["--queue", "Nope"],
    code: 1,
    stderr: /^queue "Nope" does not exist at http:\/\/127\.0\.0\.1:\d+: check --queue/
  },
  {
    app: "sender",
    args: ["--endpoint", REFUSED],
    code: 1,
    retried: true,
    stderr:
      /^cannot reach SQS at http:\/\/127\.0\.0\.1:9 \(connection refused\): start a local SQS with `pnpm local-sqs` \(or run the consumer, which starts one\), or point --endpoint \/ --region at a running SQS$/
  },

  // status-reporter
  {
    app: "status-reporter",
    args: ["--interval", "soon"],
    code: 2,
    stderr: flag("interval", "soon", "a duration from 0 to 1h, such as 5s, 500ms or 2m")
  },
  {
    app: "status-reporter",
    args: ["--interval", "-1s"],
    code: 2,
    stderr: flag("interval", "-1s", "a duration from 0 to 1h, such as 5s, 500ms or 2m")
  },
  {
    app: "status-reporter",
    args: ["--job-id", ""],
    code: 2,
    stderr: /^--job-id "": attribute "jobId" has an empty value \(nothing was sent\)$/
  },
  {
    name: "status-reporter --queue Jobs.fifo --job-id <120 characters>",
    app: "status-reporter",
    args: ["--queue", "Jobs.fifo", "--job-id", "j".repeat(120)],
    code: 2,
    stderr:
      /^--job-id "j{60}"\.\.\. \(120 characters\): the deduplication id must be 1 to 128 characters .*\(nothing was sent\)$/
  },
  {
    app: "status-reporter",
    args: ["--queue", "Missing"],
    code: 1,
    stderr: /^queue "Missing" does not exist at http:\/\/127\.0\.0\.1:\d+/
  },
  {
    app: "status-reporter",
    args: [],
    env: { SQS_ENDPOINT: REFUSED },
    code: 1,
    retried: true,
    stderr: /^cannot reach SQS at http:\/\/127\.0\.0\.1:9 \(connection refused\)/
  }
]

/** A warning logged in the pretty format (about a retried request, the only lines allowed before the error). */
const RETRY_WARNING = /^\d\d:\d\d:\d\d\.\d{3} WARN /

let server: LocalSqsServer
let root: string
beforeAll(async () => {
  server = await start({ queues: BACKGROUND_CHECK_QUEUES })
  server.createQueue({ name: "Jobs.fifo" })
  root = mkdtempSync(join(tmpdir(), "bad-input-"))
})
afterAll(async () => {
  // Whatever the rows named, nothing reached the shared queues either.
  for (const queue of ["BackgroundCheckApp", "BackgroundCheckApp-dlq", "Jobs.fifo"]) {
    expect(server.inspect(queue), queue).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
  }
  await server.stop()
  rmSync(root, { recursive: true, force: true })
})

const EMPTY = { ready: 0, delayed: 0, inFlight: 0 }

/**
 * How long a row's process may take before it is killed. A row ends in well under a second alone,
 * but the first rows start with the whole suite, type checks included, on two cores: there they
 * took up to 13 s, and a CI run killed two at the old 15 s.
 */
const ROW_DEADLINE_MS = 60_000

/** Runs a row's app to its end (killed after `ROW_DEADLINE_MS`). */
const run = async (row: Row, index: number) => {
  const queue = `row-${index}`
  server.createQueue({ name: queue })
  const dir = join(root, queue)
  mkdirSync(dir)
  const file = join(dir, "messages.txt")
  if (row.file !== undefined) writeFileSync(file, row.file)
  const args = row.args.map((arg) => arg.replaceAll("{file}", file).replaceAll("{dir}", dir))
  const app = spawnApp(row.app, args, {
    SQS_ENDPOINT: server.endpoint,
    SQS_QUEUE: queue,
    // Compiled code shared by the processes: each starts faster.
    NODE_COMPILE_CACHE: join(root, "compile-cache"),
    ...row.env
  })
  // The app may exit before it reads its stdin.
  app.child.stdin.on("error", () => undefined)
  app.child.stdin.end(row.stdin ?? "")
  const timer = setTimeout(() => app.child.kill("SIGKILL"), ROW_DEADLINE_MS)
  const code = await app.exited.finally(() => clearTimeout(timer))
  return { code, stdout: app.stdout, stderr: app.stderr, queue }
}

/** An argument as a test's name shows it: quoted when empty or holding spaces or control characters. */
const shown = (arg: string) => (/^[^\s\p{Cc}]+$/u.test(arg) ? arg : JSON.stringify(arg))

/** A row as a shell would run it: its environment, the app and its arguments. */
const commandLine = (row: Row) =>
  [
    ...Object.entries(row.env ?? {}).map(([name, value]) => `${name}=${shown(value)}`),
    row.app,
    ...row.args.map(shown)
  ].join(" ")

describe.concurrent("bad input, one line and nothing sent", () => {
  it.each(ROWS.map((row, index) => ({ row, index, name: row.name ?? commandLine(row) })))(
    "$name",
    async ({ row, index }) => {
      const result = await run(row, index)
      const lines = result.stderr.filter((line) => line.trim() !== "")
      const errors = row.retried ? lines.filter((line) => !RETRY_WARNING.test(line)) : lines
      const context = `exit ${result.code}; stderr:\n${result.stderr.join("\n")}`
      expect(errors, context).toHaveLength(1)
      expect(errors[0]!.startsWith(`${row.app}: `), context).toBe(true)
      expect(errors[0]!.slice(row.app.length + 2)).toMatch(row.stderr)
      expect(result.code, context).toBe(row.code)
      expect(result.stdout.filter((line) => line.trim() !== "")).toEqual([])
      expect(server.inspect(result.queue)).toEqual(EMPTY)
    },
    ROW_DEADLINE_MS + 10_000
  )
})
