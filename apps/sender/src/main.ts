/**
 * The producer (the lab's send.py): sends `Hello World` to BackgroundCheckApp by default and
 * prints the message id; or N numbered copies, or one message per line of a file.
 */
import { AppErrors, Flags, Logging, runMain, Services } from "@bgcheck/app-kit"
import { OutgoingMessage, Producer } from "@bgcheck/queue-core"
import { Clock, Console, Duration, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Attributes from "./attributes.ts"
import * as Messages from "./messages.ts"

const flags = {
  ...Flags.common,
  body: Flag.String("body").pipe(
    Flag.withMetavar("TEXT"),
    Flag.withDescription('Message body (default "Hello World")'),
    Flag.withDefault("Hello World")
  ),
  count: Flags.integer("count", { min: 1, max: 1_000_000 }).pipe(
    Flag.withDescription("Send N numbered copies of the body (default 1)"),
    Flag.withDefault(1)
  ),
  file: Flag.String("file").pipe(
    Flag.withMetavar("PATH"),
    Flag.withDescription(
      "Send one message per non-empty line of PATH (- reads stdin); a line of JSON stays as it is"
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
  concurrency: Flags.integer("concurrency", { min: 1, max: 100 }).pipe(
    Flag.withDescription("SendMessageBatch requests in flight at once (default 4)"),
    Flag.withDefault(4)
  )
}

const sender = Command.make("sender", flags, (flags) =>
  Effect.gen(function* () {
    if (Option.isSome(flags.file) && (flags.count !== 1 || flags.body !== "Hello World")) {
      return yield* AppErrors.badInput("--file cannot be combined with --body or --count")
    }
    const attributes = yield* Attributes.parse(flags.attribute)
    const labelled = yield* Messages.read(flags)
    if (labelled.length === 0)
      return yield* AppErrors.badInput("nothing to send: the file has no non-empty line")
    const settings = {
      ...(flags.attribute.length > 0 ? { attributes } : {}),
      ...(Option.isSome(flags.groupId) ? { groupId: flags.groupId.value } : {}),
      ...(Option.isSome(flags.dedupId) ? { deduplicationId: flags.dedupId.value } : {}),
      ...(Option.isSome(flags.delay) ? { delay: flags.delay.value } : {})
    }
    const producer = yield* Producer.Producer
    const started = yield* Clock.currentTimeMillis
    const outcomes = yield* producer
      .sendBatch(
        flags.queue,
        labelled.map((message) => Messages.withSettings(message, settings)),
        { concurrency: flags.concurrency }
      )
      .pipe(
        Effect.catchTag("InvalidMessage", (error) =>
          Effect.fail(
            AppErrors.badInput(`${labelled[error.index ?? 0]?.label}: ${error.reason} (nothing was sent)`)
          )
        )
      )
    const seconds = Math.max((yield* Clock.currentTimeMillis) - started, 1) / 1000
    const sent = outcomes.filter((outcome) => outcome._tag === "Sent")
    const failed = outcomes.filter((outcome) => outcome._tag === "Failed")

    if (flags.logFormat === "json") {
      yield* Console.log(
        JSON.stringify({
          queue: flags.queue,
          sent: sent.length,
          failed: failed.length,
          messagesPerSecond: Math.round(sent.length / seconds),
          messageIds: sent.length <= 10 ? sent.map((outcome) => outcome.messageId) : undefined,
          failures: failed.map((outcome) => ({
            message: labelled[outcome.index]?.label,
            code: outcome.code,
            reason: outcome.message
          }))
        })
      )
    } else {
      if (sent.length <= 10) for (const outcome of sent) yield* Console.log(`sent ${outcome.messageId}`)
      for (const outcome of failed) {
        yield* Console.error(`failed ${labelled[outcome.index]?.label}: ${outcome.code}: ${outcome.message}`)
      }
      yield* Console.error(
        `${sent.length} sent, ${failed.length} failed to ${flags.queue} in ${seconds.toFixed(2)}s ` +
          `(${Math.round(sent.length / seconds)} messages/s)`
      )
    }
    if (failed.length > 0) return yield* AppErrors.failure(`${failed.length} message(s) failed`)
  }).pipe(Effect.provide(Services.layer(flags)), Effect.provide(Logging.layer(flags.logFormat)))
).pipe(
  Command.withDescription("Send messages to an SQS queue (Hello World to BackgroundCheckApp by default).")
)

runMain(sender)
