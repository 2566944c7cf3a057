/**
 * The producer (the lab's send.py): sends `Hello World` to BackgroundCheckApp by default and
 * prints the message id; or N numbered copies, or one message per line of a file or stdin, as a
 * stream with a progress bar and a summary. Ctrl-C (or SIGTERM) stops a stream cleanly, says what
 * was not sent and where to resume, and exits 130 (143); Ctrl-C again stops at once.
 */
import { AppErrors, Flags, Logging, runMain, Services, Shutdown, Telemetry } from "@bgcheck/app-kit"
import { OutgoingMessage, PayloadStore, Producer } from "@bgcheck/queue-core"
import { Config, Console, Duration, Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import * as Attributes from "./attributes.ts"
import * as Messages from "./messages.ts"
import * as ProgressBar from "./progress.ts"
import * as Summary from "./summary.ts"

const flags = {
  ...Flags.common,
  body: Flag.String("body").pipe(
    Flag.withMetavar("TEXT"),
    Flag.withDescription('Message body (default "Hello World")'),
    Flag.withDefault("Hello World")
  ),
  count: Flags.integer("count", { min: 1, max: 100_000_000 }).pipe(
    Flag.withDescription("Send N numbered copies of the body (default 1)"),
    Flag.withDefault(1)
  ),
  file: Flag.String("file").pipe(
    Flag.withMetavar("PATH"),
    Flag.withDescription(
      "Send one message per non-empty line of PATH (- reads stdin); a line of JSON stays as it is. The file (or all of stdin) is checked whole before anything is sent"
    ),
    Flag.optional
  ),
  attribute: Flag.String("attribute").pipe(
    Flag.withMetavar("NAME[:TYPE]=VALUE"),
    Flag.withDescription("Message attribute, repeatable: name=value, name:Number=1, name:Binary=<base64>"),
    Flag.atLeast(0)
  ),
  groupId: Flag.String("group-id").pipe(
    Flag.withMetavar("ID"),
    Flag.withDescription("Message group id (required on FIFO queues; a tenant on fair queues)"),
    Flag.optional
  ),
  dedupId: Flag.String("dedup-id").pipe(
    Flag.withMetavar("ID"),
    Flag.withDescription("Deduplication id (FIFO queues without content-based deduplication)"),
    Flag.optional
  ),
  delay: Flags.duration("delay", {
    min: Duration.zero,
    max: OutgoingMessage.MAX_DELAY,
    wholeSeconds: true
  }).pipe(
    Flag.withDescription("Delay before the messages become visible, up to 15m (standard queues)"),
    Flag.optional
  ),
  payloadBucket: Flag.String("payload-bucket").pipe(
    Flag.withMetavar("NAME"),
    Flag.withDescription(
      "Store bodies larger than SQS allows in this S3 bucket and send pointers that AWS's extended clients read (env SQS_PAYLOAD_BUCKET; default: none, such bodies are refused)"
    ),
    Flag.withFallbackConfig(Config.String("SQS_PAYLOAD_BUCKET")),
    Flag.optional
  ),
  concurrency: Flags.integer("concurrency", { min: 1, max: 100 }).pipe(
    Flag.withDescription("SendMessageBatch requests in flight at once (default 4)"),
    Flag.withDefault(4)
  ),
  output: Flag.Literals("output", ["text", "json"]).pipe(
    Flag.withDescription("text for people, json for one JSON summary on stdout (default text)"),
    Flag.withDefault("text" as const)
  )
}

type SenderFlags = Command.Command.Config.Infer<typeof flags>

/** The payload bucket, if any; an empty SQS_PAYLOAD_BUCKET means none, as an unset one does. */
const payloadBucket = (flags: SenderFlags): Option.Option<string> =>
  Option.filter(
    Option.map(flags.payloadBucket, (bucket) => bucket.trim()),
    (bucket) => bucket !== ""
  )

/** How many invalid lines a failed pre-check names. */
const NAMED_INVALID = 5

/**
 * A file (or stdin, copied to a temporary file) is checked whole before anything is sent, so that
 * a bad line never leaves it half-sent.
 */
const checkAll = (
  queue: string,
  messages: Stream.Stream<Messages.Labelled, AppErrors.AppError | Messages.InvalidUtf8, any>,
  toMessage: (item: Messages.Labelled) => OutgoingMessage.OutgoingMessage
) =>
  Effect.gen(function* () {
    // One plain check a line, a chunk of lines at a time: no effect per line.
    const check = yield* (yield* Producer.Producer).validator(queue)
    const invalid: Array<string> = []
    let total = 0
    let throughS3 = false
    let invalidCount = 0
    yield* messages.pipe(
      Stream.runForEachArray((items) =>
        Effect.sync(() => {
          for (const item of items) {
            const checked = check(toMessage(item))
            total++
            if (checked instanceof OutgoingMessage.InvalidMessage) {
              invalidCount++
              if (invalid.length < NAMED_INVALID) invalid.push(`${item.label}: ${checked.reason}`)
            } else {
              throughS3 ||= checked.throughS3
            }
          }
        })
      ),
      // Reading stops at a line that is not UTF-8: it is named after the invalid lines before it.
      Effect.catchTag("InvalidUtf8", (error) => {
        const more = invalidCount > invalid.length ? [`and ${invalidCount - invalid.length} more`] : []
        return Effect.fail(
          AppErrors.badInput(`${[...invalid, ...more, error.message].join("; ")} (nothing was sent)`)
        )
      })
    )
    if (invalidCount > 0) {
      const more = invalidCount > invalid.length ? `; and ${invalidCount - invalid.length} more` : ""
      return yield* AppErrors.badInput(
        `${invalid.join("; ")}${more} (${invalidCount} invalid of ${total}; nothing was sent)`
      )
    }
    return { total, throughS3 }
  })

const sendOne = (flags: SenderFlags, message: OutgoingMessage.OutgoingMessage) =>
  Effect.gen(function* () {
    const producer = yield* Producer.Producer
    const sent = yield* producer
      .send(flags.queue, message)
      .pipe(
        Effect.catchTag("InvalidMessage", (error) =>
          Effect.fail(AppErrors.badInput(`${error.message} (nothing was sent)`))
        )
      )
    if (flags.output === "json") {
      yield* Console.log(
        JSON.stringify({ queue: flags.queue, sent: 1, failed: 0, messageIds: [sent.messageId], failures: [] })
      )
    } else {
      yield* Console.log(`sent ${sent.messageId}`)
    }
  })

/**
 * N copies differ only in their numbering: when the first is valid, the last (the longest
 * numbering) is the only one that can still be too large. Both are checked before sending.
 */
const checkCopies = (
  flags: SenderFlags,
  toMessage: (item: Messages.Labelled) => OutgoingMessage.OutgoingMessage
) =>
  Effect.gen(function* () {
    const producer = yield* Producer.Producer
    const check = (n: number, label: boolean) =>
      producer
        .validate(flags.queue, toMessage(Messages.copy(flags.body, n, flags.count)))
        .pipe(
          Effect.catchTag("InvalidMessage", (error) =>
            Effect.fail(
              AppErrors.badInput(`${label ? `message ${n}: ` : ""}${error.reason} (nothing was sent)`)
            )
          )
        )
    const first = yield* check(1, false)
    const last = yield* check(flags.count, true)
    return { total: flags.count, throughS3: first.throughS3 || last.throughS3 }
  })

/**
 * Everything before the first message goes: stdin copied, every message checked, the payload
 * bucket checked when some go to S3.
 */
const prepare = (
  flags: SenderFlags,
  toMessage: (item: Messages.Labelled) => OutgoingMessage.OutgoingMessage
) =>
  Effect.gen(function* () {
    const stdinCopy =
      Option.isSome(flags.file) && flags.file.value === "-" ? yield* Messages.copyStdin : undefined
    const messages = Messages.stream(flags, stdinCopy)
    const { total, throughS3 } = Option.isSome(flags.file)
      ? yield* checkAll(flags.queue, messages, toMessage)
      : yield* checkCopies(flags, toMessage)
    if (total === 0) {
      return yield* AppErrors.badInput(
        `nothing to send: ${stdinCopy === undefined ? "the file" : "stdin"} has no non-empty line`
      )
    }
    // Large bodies go to the payload bucket: it must be there before anything is sent, or the
    // small messages would go and the large ones fail.
    const bucket = payloadBucket(flags)
    if (throughS3 && Option.isSome(bucket)) {
      yield* (yield* PayloadStore.PayloadStore)
        .checkBucket(bucket.value)
        .pipe(Effect.mapError((error) => AppErrors.failure(`${error.message} (nothing was sent)`)))
    }
    const source: Summary.Source = Option.isNone(flags.file)
      ? { _tag: "Copies" }
      : flags.file.value === "-"
        ? { _tag: "Stdin" }
        : { _tag: "File", path: flags.file.value }
    return { messages, total, source }
  })

/**
 * The send itself. A first SIGINT or SIGTERM stops it cleanly: no further line is taken, the
 * requests in flight are answered by SQS (an aborted one may or may not have been stored), and
 * the summary says what was not sent and where to resume. A second one abandons the requests in
 * flight at once. Either way the summary is printed, the progress bar gone first.
 */
const send = (
  flags: SenderFlags,
  toMessage: (item: Messages.Labelled) => OutgoingMessage.OutgoingMessage,
  prepared: Effect.Success<ReturnType<typeof prepare>>
) =>
  Effect.gen(function* () {
    const producer = yield* Producer.Producer
    const shutdown = yield* Shutdown.Shutdown
    const bar = yield* ProgressBar.make(prepared.total)
    const summary = yield* Effect.gen(function* () {
      // Each signal is acknowledged as it comes, in place of the bar.
      yield* Effect.forkScoped(
        Effect.flatMap(shutdown.requested, (signal) =>
          Effect.andThen(
            bar.stop,
            Console.error(
              `sender: ${signal}: stopping; no more messages are sent, the requests in flight are being answered (${signal} again abandons them)`
            )
          )
        )
      )
      yield* Effect.forkScoped(
        Effect.flatMap(shutdown.forced, (signal) =>
          Console.error(`sender: ${signal} again: abandoning the requests in flight`)
        )
      )
      return yield* producer.sendAll(flags.queue, prepared.messages, {
        toMessage,
        concurrency: flags.concurrency,
        onProgress: bar.update,
        stopWhen: shutdown.requested,
        abandonWhen: shutdown.forced
      })
    }).pipe(Effect.scoped, Effect.ensuring(bar.stop))
    const run: Summary.Run = {
      queue: flags.queue,
      source: prepared.source,
      total: prepared.total,
      stoppedBy: summary.stopped ? Option.some(yield* shutdown.requested) : Option.none()
    }
    if (flags.output === "json") yield* Console.log(Summary.json(run, summary))
    else for (const line of Summary.lines(run, summary)) yield* Console.error(line)
    // Stopped by a signal, the exit code says so (runMain); the failures are listed above.
    if (!summary.stopped && summary.failed > 0) {
      return yield* AppErrors.failure(`${summary.failed} message(s) failed`)
    }
  })

/**
 * Many messages. A signal before the first is sent interrupts the checks; from then on it stops
 * the send (see `send`) rather than interrupting it, so the send runs uninterruptibly.
 */
const sendMany = (
  flags: SenderFlags,
  toMessage: (item: Messages.Labelled) => OutgoingMessage.OutgoingMessage
) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(
      restore(prepare(flags, toMessage)).pipe(
        Effect.onInterrupt(() => Console.error("sender: interrupted before sending: nothing was sent"))
      ),
      (prepared) => send(flags, toMessage, prepared)
    )
  ).pipe(Effect.scoped)

const sender = Command.make("sender", flags, (flags) =>
  Effect.gen(function* () {
    if (Option.isSome(flags.file) && (flags.count !== 1 || flags.body !== "Hello World")) {
      return yield* AppErrors.badInput("--file cannot be combined with --body or --count")
    }
    const attributes = yield* Attributes.parse(flags.attribute)
    const settings = {
      ...(flags.attribute.length > 0 ? { attributes } : {}),
      ...(Option.isSome(flags.groupId) ? { groupId: flags.groupId.value } : {}),
      ...(Option.isSome(flags.dedupId) ? { deduplicationId: flags.dedupId.value } : {}),
      ...(Option.isSome(flags.delay) ? { delay: flags.delay.value } : {})
    }
    const toMessage = (item: Messages.Labelled): OutgoingMessage.OutgoingMessage => ({
      ...settings,
      body: item.body
    })
    if (Option.isNone(flags.file) && flags.count === 1)
      return yield* sendOne(flags, toMessage({ label: "", number: 1, body: flags.body }))
    yield* sendMany(flags, toMessage)
  }).pipe(
    Effect.provide(
      Services.layer(flags, {
        payloads: Option.match(payloadBucket(flags), {
          onNone: () => undefined,
          onSome: (bucket) => ({ bucket })
        })
      })
    ),
    Effect.provide(Telemetry.layer("sender")),
    Effect.provide(Logging.layer(flags.logFormat))
  )
).pipe(
  Command.withDescription("Send messages to an SQS queue (Hello World to BackgroundCheckApp by default).")
)

// Stopped half-way by a signal, the sender exits 130 (SIGINT) or 143 (SIGTERM), as shells expect.
runMain(sender, { signalExitCode: true })
