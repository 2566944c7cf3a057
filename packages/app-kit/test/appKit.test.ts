import { createServer } from "node:net"
import { SqsConfig, SqsError } from "@bgcheck/queue-core"
import { assert, describe, it } from "@effect/vitest"
import { Console, Duration, Effect, Option } from "effect"
import {
  AppErrors,
  Flags,
  LocalSqsFallback,
  Logging,
  Text,
  withNegativeValuesJoined,
  withoutLeadingSeparator
} from "../src/index.ts"

describe("Flags.parseDuration", () => {
  it("reads seconds by default and the usual units", () => {
    const millis = (text: string) => Option.map(Flags.parseDuration(text), Duration.toMillis)
    assert.deepStrictEqual(millis("7"), Option.some(7_000))
    assert.deepStrictEqual(millis("7s"), Option.some(7_000))
    assert.deepStrictEqual(millis("500ms"), Option.some(500))
    assert.deepStrictEqual(millis("2m"), Option.some(120_000))
    assert.deepStrictEqual(millis("1.5h"), Option.some(5_400_000))
    assert.isTrue(Option.isNone(Flags.parseDuration("soon")))
    assert.isTrue(Option.isNone(Flags.parseDuration("-1s")))
  })
})

describe("AppErrors", () => {
  it("adds what to do to an unreachable endpoint, on one line", () => {
    const error = new SqsError.SqsError({
      action: "GetQueueUrl",
      reason: new SqsError.EndpointUnreachable({
        message: "cannot reach SQS at http://127.0.0.1:4566 (connection refused)"
      })
    })
    const line = AppErrors.describe(error)
    assert.include(line, "cannot reach SQS at http://127.0.0.1:4566 (connection refused): start a local SQS")
    assert.notInclude(line, "\n")
    assert.strictEqual(AppErrors.exitCodeOf(error), 1)
  })

  it("gives an app's own hint in place of the common one", () => {
    const error = new SqsError.SqsError({
      action: "GetQueueUrl",
      reason: new SqsError.QueueNotFound({ message: 'queue "Nope" does not exist at http://127.0.0.1:4566' })
    })
    assert.include(AppErrors.describe(error), "check --queue")
    assert.strictEqual(
      AppErrors.describe(error, { QueueNotFound: "check the queue name" }),
      'queue "Nope" does not exist at http://127.0.0.1:4566: check the queue name'
    )
  })

  it("gives bad input exit code 2", () => {
    assert.strictEqual(AppErrors.exitCodeOf(AppErrors.badInput("no")), 2)
    assert.strictEqual(AppErrors.exitCodeOf(AppErrors.failure("no")), 1)
  })
})

describe("LocalSqsFallback.answers", () => {
  it.live("tells whether something listens at an endpoint", () =>
    Effect.gen(function* () {
      const server = createServer()
      yield* Effect.callback<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      })
      const port = (server.address() as { port: number }).port
      assert.isTrue(yield* LocalSqsFallback.answers(`http://127.0.0.1:${port}`))
      yield* Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
      assert.isFalse(yield* LocalSqsFallback.answers(`http://127.0.0.1:${port}`))
    })
  )
})

describe("withoutLeadingSeparator", () => {
  it("drops the -- that pnpm passes on before an app's flags, and nothing else", () => {
    assert.deepStrictEqual(withoutLeadingSeparator(["--", "--wait", "7s"]), ["--wait", "7s"])
    assert.deepStrictEqual(withoutLeadingSeparator(["--wait", "7s"]), ["--wait", "7s"])
    assert.deepStrictEqual(withoutLeadingSeparator(["--body", "--"]), ["--body", "--"])
  })
})

describe("withNegativeValuesJoined", () => {
  it("joins a value that starts like a negative number to its flag, and changes nothing else", () => {
    assert.deepStrictEqual(withNegativeValuesJoined(["--wait", "-1s", "-q", "jobs"]), [
      "--wait=-1s",
      "-q",
      "jobs"
    ])
    assert.deepStrictEqual(withNegativeValuesJoined(["--count", "-5"]), ["--count=-5"])
    assert.deepStrictEqual(withNegativeValuesJoined(["--delay", "-.5s"]), ["--delay=-.5s"])
    assert.deepStrictEqual(withNegativeValuesJoined(["--body", "-x"]), ["--body", "-x"])
    assert.deepStrictEqual(withNegativeValuesJoined(["--wait=-1s"]), ["--wait=-1s"])
    assert.deepStrictEqual(withNegativeValuesJoined(["--help", "-1"]), ["--help", "-1"])
    assert.deepStrictEqual(withNegativeValuesJoined(["--", "--wait", "-1s"]), ["--", "--wait", "-1s"])
  })
})

describe("Logging", () => {
  const long = `${"k".repeat(5_000)}-end`

  it.effect("cuts a long value in a pretty line, saying how much was left out", () =>
    Effect.gen(function* () {
      const written: Array<string> = []
      const write = process.stderr.write
      process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof write
      yield* Effect.logWarning(`could not delete s3://b/${long}`).pipe(
        Effect.provide(Logging.layer("pretty")),
        Effect.ensuring(Effect.sync(() => (process.stderr.write = write)))
      )
      assert.lengthOf(written, 1)
      assert.isBelow(written[0]!.length, 2_100)
      assert.include(written[0], "… (3028 more characters)")
      assert.notInclude(written[0], "-end")
    })
  )

  it.effect("cuts it in a JSON line too, which stays one valid JSON object", () =>
    Effect.gen(function* () {
      const written: Array<unknown> = []
      const console = { ...globalThis.console, error: (line: unknown) => void written.push(line) }
      yield* Effect.logWarning(long).pipe(
        Effect.provide(Logging.layer("json")),
        Effect.provideService(Console.Console, console as never)
      )
      assert.lengthOf(written, 1)
      const record = JSON.parse(String(written[0]))
      assert.include(JSON.stringify(record.message), "… (3004 more characters)")
      assert.isBelow(String(written[0]).length, 2_400)
    })
  )
})

describe("SqsConfig.isLoopbackHost, as the metrics server decides whether to warn", () => {
  it("counts 127.0.0.0/8, ::1 and localhost as loopback, and nothing else", () => {
    for (const host of [
      "127.0.0.1",
      "127.9.8.7",
      "::1",
      "[::1]",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
      "localhost",
      "LOCALHOST"
    ])
      assert.isTrue(SqsConfig.isLoopbackHost(host), host)
    for (const host of [
      "0.0.0.0",
      "::",
      "10.0.0.1",
      "128.0.0.1",
      "::ffff:10.0.0.1",
      "my-host",
      "localhost.example.com",
      ""
    ])
      assert.isFalse(SqsConfig.isLoopbackHost(host), host)
  })
})

describe("Text.escapeControl", () => {
  it("escapes line breaks and carriage returns, so that a body cannot forge a line of its own", () => {
    assert.strictEqual(Text.escapeControl("a\n[fake-id] forged\rb"), String.raw`a\n[fake-id] forged\rb`)
  })

  it("escapes C0, DEL, C1, the line separators and the bidi overrides and isolates", () => {
    assert.strictEqual(
      Text.escapeControl("\u0000\t\u001b[31m\u007f\u0080\u0085\u009f\u2028\u2029\u202a\u202e\u2066\u2069"),
      String.raw`\u0000\t\u001b[31m\u007f\u0080\u0085\u009f\u2028\u2029\u202a\u202e\u2066\u2069`
    )
  })

  it("leaves ordinary text as it is: accents, other scripts, emoji, quotes and backslashes", () => {
    for (const text of [
      "Hello World",
      "Grüße, ça va, ñandú",
      "日本語 עברית عربي हिन्दी",
      "🎉 👍🏽 👨‍👩‍👧 🇫🇷",
      String.raw`"quoted" and back\slash`,
      "\u00a0non-breaking and \u200dzero-width joiner",
      ""
    ])
      assert.strictEqual(Text.escapeControl(text), text)
  })
})
