/**
 * `pnpm queues`: the lab's review step (`aws sqs list-queues`) and what an on-call engineer needs
 * next: list, describe, create, purge, peek and redrive, as tables for people or JSON for scripts.
 * The same endpoint rules as the other apps; no local SQS is started for it.
 */
import { AppErrors, Flags, Logging, runMain, Services } from "@bgcheck/app-kit"
import { type Consumer, LargePayloads, PayloadStore, Peek, Queues, Redrive } from "@bgcheck/queue-core"
import { Console, Duration, Effect, Option } from "effect"
import { Argument, Command, Flag, Prompt } from "effect/cli"
import { oneLine, table } from "./table.ts"

const output = Flag.Literals("output", ["text", "json"]).pipe(
  Flag.withDescription("text for people, json for scripts (default text)"),
  Flag.withDefault("text" as const)
)

const root = Command.make("queues").pipe(
  Command.withSharedFlags({
    endpoint: Flags.endpoint,
    region: Flags.region,
    transport: Flags.transport,
    logFormat: Flags.logFormat,
    payloadBucket: Flags.payloadBuckets,
    output
  }),
  Command.withDescription("List, inspect and manage SQS queues.")
)

const queueName = Argument.String("queue").pipe(Argument.withDescription("Queue name, URL or ARN"))

const json = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

/** A queue's dead-letter queue name, from its redrive policy. */
const dlqName = (queue: Queues.Queue) =>
  Option.match(queue.redrivePolicy, {
    onNone: () => "",
    onSome: (p) => p.deadLetterTargetArn.split(":").pop() ?? ""
  })

const list = Command.make(
  "list",
  {
    prefix: Flag.String("prefix").pipe(
      Flag.withDescription("Only queues whose name starts with this"),
      Flag.optional
    )
  },
  ({ prefix }) =>
    Effect.gen(function* () {
      const { output } = yield* root
      const queues = yield* Queues.Queues
      const urls = yield* queues.list(Option.getOrUndefined(prefix))
      const described = yield* Effect.forEach(urls, (url) => queues.describe(url), { concurrency: 8 })
      if (output === "json") {
        return yield* json(
          described.map((q) => ({
            name: q.name,
            type: q.fifo ? "fifo" : "standard",
            url: q.url,
            visible: q.visible,
            inFlight: q.inFlight,
            delayed: q.delayed,
            deadLetterQueue: dlqName(q) || null
          }))
        )
      }
      if (described.length === 0) return yield* Console.log("no queues")
      yield* Console.log(
        table(
          ["NAME", "TYPE", "VISIBLE", "IN FLIGHT", "DELAYED", "DLQ", "URL"],
          described.map((q) => [
            q.name,
            q.fifo ? "fifo" : "standard",
            q.visible,
            q.inFlight,
            q.delayed,
            dlqName(q) || "-",
            q.url
          ])
        )
      )
    })
).pipe(Command.withDescription("List the queues with their message counts and dead-letter queues"))

const describe = Command.make("describe", { queue: queueName }, ({ queue: ref }) =>
  Effect.gen(function* () {
    const { output } = yield* root
    const queues = yield* Queues.Queues
    const queue = yield* queues.describe(ref)
    const dlq = yield* Option.match(queue.redrivePolicy, {
      onNone: () => Effect.succeed(undefined),
      onSome: (policy) => queues.describe(policy.deadLetterTargetArn)
    })
    const described = {
      name: queue.name,
      url: queue.url,
      arn: queue.arn,
      type: queue.fifo ? "fifo" : "standard",
      contentBasedDeduplication: queue.contentBasedDeduplication,
      visibilityTimeoutSeconds: Duration.toSeconds(queue.visibilityTimeout),
      maximumMessageSize: queue.maximumMessageSize,
      visible: queue.visible,
      inFlight: queue.inFlight,
      delayed: queue.delayed,
      redrivePolicy: Option.getOrNull(queue.redrivePolicy),
      deadLetterQueue:
        dlq === undefined
          ? null
          : {
              name: dlq.name,
              url: dlq.url,
              visible: dlq.visible,
              inFlight: dlq.inFlight,
              delayed: dlq.delayed
            }
    }
    if (output === "json") return yield* json(described)
    const rows: Array<[string, string | number]> = [
      ["name", described.name],
      ["type", described.type],
      ["url", described.url],
      ["arn", described.arn],
      ["visible", described.visible],
      ["in flight", described.inFlight],
      ["delayed", described.delayed],
      ["visibility timeout", `${described.visibilityTimeoutSeconds}s`],
      ["maximum message size", `${described.maximumMessageSize} bytes`],
      ...(queue.fifo
        ? [["content-based deduplication", String(described.contentBasedDeduplication)] as [string, string]]
        : []),
      [
        "dead-letter queue",
        dlq === undefined
          ? "none"
          : `${dlq.name} after ${Option.getOrThrow(queue.redrivePolicy).maxReceiveCount} receives: ${dlq.visible} visible, ${dlq.inFlight} in flight`
      ]
    ]
    const width = Math.max(...rows.map(([key]) => key.length))
    yield* Console.log(rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join("\n"))
  })
).pipe(Command.withDescription("Show a queue's attributes, redrive policy and its dead-letter queue's depth"))

const create = Command.make(
  "create",
  {
    queue: Argument.String("queue").pipe(
      Argument.withDescription("Queue name (ending in .fifo for a FIFO queue)")
    ),
    fifo: Flag.Boolean("fifo").pipe(
      Flag.withDescription("A FIFO queue (adds .fifo to the name)"),
      Flag.withDefault(false)
    ),
    dlq: Flag.Boolean("dlq").pipe(
      Flag.withDescription("Also create <queue>-dlq and move messages there after --max-receives receives"),
      Flag.withDefault(false)
    ),
    maxReceives: Flags.integer("max-receives", { min: 1, max: 1000 }).pipe(
      Flag.withDescription("Receives before a message moves to the dead-letter queue (default 5)"),
      Flag.withDefault(5)
    ),
    visibilityTimeout: Flags.duration("visibility-timeout", {
      min: Duration.seconds(0),
      max: Duration.hours(12),
      wholeSeconds: true
    }).pipe(
      Flag.withDescription("The queue's visibility timeout, 0s to 12h (default SQS's 30s)"),
      Flag.optional
    )
  },
  (flags) =>
    Effect.gen(function* () {
      const { output } = yield* root
      const name = flags.fifo && !flags.queue.endsWith(".fifo") ? `${flags.queue}.fifo` : flags.queue
      const queues = yield* Queues.Queues
      // CreateQueue answers alike for a new queue and an existing one with the same attributes.
      const existed = yield* queues.resolve(name).pipe(
        Effect.as(true),
        Effect.catchTag("SqsError", (error) =>
          error.reason._tag === "QueueNotFound" ? Effect.succeed(false) : Effect.fail(error)
        )
      )
      const queue = yield* queues.create({
        name,
        ...(flags.dlq ? { deadLetter: { maxReceiveCount: flags.maxReceives } } : {}),
        ...(Option.isSome(flags.visibilityTimeout)
          ? { visibilityTimeout: flags.visibilityTimeout.value }
          : {})
      })
      if (output === "json")
        return yield* json({
          name: queue.name,
          url: queue.url,
          arn: queue.arn,
          deadLetterQueue: dlqName(queue) || null,
          created: !existed
        })
      const dlq = flags.dlq ? ` (dead letters to ${dlqName(queue)})` : ""
      yield* Console.log(
        existed
          ? `${queue.name} already existed (unchanged): ${queue.url}${dlq}`
          : `created ${queue.name}: ${queue.url}${dlq}`
      )
    })
).pipe(
  Command.withDescription(
    "Create a queue, and a dead-letter queue for it with --dlq (no change if it exists alike)"
  )
)

const purge = Command.make(
  "purge",
  {
    queue: queueName,
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("Do not ask first"),
      Flag.withDefault(false)
    )
  },
  ({ queue: ref, yes }) =>
    Effect.gen(function* () {
      const { output } = yield* root
      const queues = yield* Queues.Queues
      const queue = yield* queues.describe(ref)
      if (!yes) {
        if (process.stdin.isTTY !== true)
          return yield* AppErrors.badInput(
            `purge deletes every message of ${queue.name}: add --yes to confirm`
          )
        const confirmed = yield* Prompt.run(
          Prompt.Confirm({
            message: `Delete all ${queue.visible + queue.inFlight + queue.delayed} messages of ${queue.name}?`
          })
        )
        if (!confirmed) return yield* Console.log("nothing deleted")
      }
      yield* queues.purge(queue.url)
      if (output === "json") return yield* json({ name: queue.name, purged: true })
      yield* Console.log(`purged ${queue.name} (SQS takes up to a minute to delete every message)`)
    })
).pipe(Command.withDescription("Delete every message of a queue (asks first unless --yes)"))

/**
 * Where a message's body is, when an extended client stored it in S3, the size its message
 * declares, and why a consumer reading `policy`'s buckets would refuse it. Peek never fetches it.
 */
const storedIn = (message: Consumer.ReceivedMessage, policy: LargePayloads.ReadPolicy) => {
  const stored = LargePayloads.storedAt(message)
  return stored === undefined
    ? undefined
    : {
        where: LargePayloads.formatPointer(stored.pointer),
        size: stored.size,
        refused: LargePayloads.refusal(stored.pointer, stored.size, policy)
      }
}

/** The body as the table shows it: on one line, or where it is in S3, its size, and a refusal. */
const bodyCell = (message: Consumer.ReceivedMessage, policy: LargePayloads.ReadPolicy): string => {
  const stored = storedIn(message, policy)
  if (stored === undefined) return oneLine(message.body)
  return `(in S3: ${stored.where}, ${stored.size ?? "?"} bytes${stored.refused === undefined ? "" : `; refused: ${stored.refused}`})`
}

const peek = Command.make(
  "peek",
  {
    queue: queueName,
    count: Flags.integer("count", { min: 1, max: 100 }).pipe(
      Flag.withAlias("n"),
      Flag.withDescription("Messages to show, 1 to 100 (default 10)"),
      Flag.withDefault(10)
    )
  },
  ({ queue: ref, count }) =>
    Effect.gen(function* () {
      const { output } = yield* root
      const { policy } = yield* PayloadStore.PayloadStore
      const messages = yield* Peek.peek(ref, count)
      if (output === "json") {
        return yield* json(
          messages.map((m) => {
            const stored = storedIn(m, policy)
            return {
              messageId: m.messageId,
              body: m.body,
              receiveCount: m.receiveCount,
              sentAt: m.attributes.SentTimestamp
                ? new Date(Number(m.attributes.SentTimestamp)).toISOString()
                : null,
              ...(m.groupId === undefined ? {} : { groupId: m.groupId }),
              ...(stored === undefined
                ? {}
                : {
                    storedIn: stored.where,
                    ...(stored.refused === undefined ? {} : { refused: stored.refused })
                  }),
              messageAttributes: m.messageAttributes
            }
          })
        )
      }
      if (messages.length === 0) return yield* Console.log("no visible messages")
      yield* Console.log(
        table(
          ["MESSAGE ID", "SENT", "RECEIVES", "BODY"],
          messages.map((m) => [
            m.messageId,
            m.attributes.SentTimestamp ? new Date(Number(m.attributes.SentTimestamp)).toISOString() : "-",
            m.receiveCount,
            bodyCell(m, policy)
          ])
        )
      )
    })
).pipe(
  Command.withDescription(
    "Show messages without consuming them: each is received and made visible again at once (its receive count goes up by one)"
  )
)

/** A refused redrive in the app's terms: its flags rather than the library's options. */
const refusal = ({ reason, from, to }: Redrive.InvalidRedrive): string =>
  reason === "SameQueue"
    ? `cannot redrive ${from.name} into itself: every batch would go back where it came from; give --to another queue`
    : `${from.name} is ${from.fifo ? "a FIFO" : "a standard"} queue and ${to.name} ${to.fifo ? "a FIFO" : "a standard"} queue: ` +
      `SQS keeps dead letters in a queue of their own type; add --allow-type-change to move them anyway (${
        from.fifo ? "their order and deduplication are lost" : "each message becomes a group of its own"
      })`

const redrive = Command.make(
  "redrive",
  {
    queue: Argument.String("dlq").pipe(Argument.withDescription("The dead-letter queue: name, URL or ARN")),
    to: Flag.String("to").pipe(
      Flag.withDescription(
        "The queue to move the messages to (default: the one whose redrive policy names the DLQ)"
      ),
      Flag.optional
    ),
    allowTypeChange: Flag.Boolean("allow-type-change").pipe(
      Flag.withDescription(
        "Allow --to a queue of the other type (FIFO or standard): FIFO to standard loses order and deduplication; standard to FIFO puts each message in a group of its own"
      ),
      Flag.withDefault(false)
    )
  },
  ({ queue: ref, to, allowTypeChange }) =>
    Effect.gen(function* () {
      const { output } = yield* root
      const result = yield* Redrive.redrive(ref, {
        to: Option.getOrUndefined(to),
        allowTypeChange,
        // A pointer a consumer would refuse stays where it is: moved back, it would only return.
        payloads: (yield* PayloadStore.PayloadStore).policy,
        // Progress goes to stderr: stdout stays the result alone.
        onProgress: (p) =>
          Console.error(
            `moved ${p.moved} of ${p.atStart} from ${p.from.name} to ${p.to.name}${p.failed > 0 ? `, ${p.failed} refused` : ""}`
          )
      }).pipe(Effect.catchTag("InvalidRedrive", (error) => Effect.fail(AppErrors.badInput(refusal(error)))))
      const summary = {
        from: result.from.name,
        to: result.to.name,
        atStart: result.atStart,
        moved: result.moved,
        failed: result.failed,
        failures: result.failures
      }
      if (output === "json") yield* json(summary)
      else {
        yield* Console.log(
          `moved ${result.moved} message(s) from ${result.from.name} to ${result.to.name} (${result.atStart} there at the start)`
        )
        for (const failure of result.failures)
          yield* Console.error(`not moved ${failure.messageId}: ${failure.reason}`)
      }
      if (result.failed > 0)
        return yield* AppErrors.failure(`${result.failed} message(s) stayed in ${result.from.name}`)
    })
).pipe(
  Command.withDescription(
    "Move the messages a dead-letter queue holds at the start back to their queue, each sent before it is deleted (an interruption loses nothing); refuses the DLQ itself, and a queue of the other type without --allow-type-change"
  )
)

const queues = root.pipe(
  Command.withSubcommands([list, describe, create, purge, peek, redrive]),
  Command.provide((flags) => Services.layer(flags, { payloadBuckets: flags.payloadBucket })),
  Command.provide((flags) => Logging.layer(flags.logFormat))
)

runMain(queues, {
  // The common hint names --queue, which this app takes as an argument.
  hints: { QueueNotFound: "check the queue name, --endpoint and --region (`queues list` shows the queues)" }
})
