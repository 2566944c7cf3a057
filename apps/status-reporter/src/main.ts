/**
 * Job status updates (the lab's update_status.py): three JSON status messages for one
 * background-check job, `--interval` apart.
 */
import { randomUUID } from "node:crypto"
import { AppErrors, Flags, Logging, runMain, Services, Telemetry } from "@bgcheck/app-kit"
import { Console, Duration, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { report } from "./report.ts"

const flags = {
  ...Flags.common,
  jobId: Flag.String("job-id").pipe(
    Flag.withMetavar("ID"),
    Flag.withDescription("The background-check job (default: a new UUID)"),
    Flag.optional
  ),
  interval: Flags.duration("interval", { min: Duration.zero, max: Duration.hours(1) }).pipe(
    Flag.withDescription("Time between status updates (default 8s, as in the lab)"),
    Flag.withDefault(Duration.seconds(8))
  )
}

/** A job id as a message shows it: quoted, escaped, and cut short when long. */
const shown = (jobId: string) =>
  jobId.length > 64
    ? `${JSON.stringify(jobId.slice(0, 60))}... (${jobId.length} characters)`
    : JSON.stringify(jobId)

const statusReporter = Command.make("status-reporter", flags, (flags) =>
  Effect.gen(function* () {
    const jobId = flags.jobId._tag === "Some" ? flags.jobId.value : randomUUID()
    yield* report({
      queue: flags.queue,
      jobId,
      interval: flags.interval,
      onSent: (update, messageId) =>
        flags.logFormat === "json"
          ? Console.log(JSON.stringify({ ...update, messageId }))
          : Console.log(`job ${update.jobId}: ${update.sequence}/3 ${update.status} (message ${messageId})`)
    }).pipe(
      Effect.catchTag("InvalidMessage", (error) =>
        Effect.fail(AppErrors.badInput(`--job-id ${shown(jobId)}: ${error.reason} (nothing was sent)`))
      )
    )
  }).pipe(
    Effect.provide(Services.layer(flags)),
    Effect.provide(Telemetry.layer("status-reporter")),
    Effect.provide(Logging.layer(flags.logFormat))
  )
).pipe(Command.withDescription("Send a background-check job's three status updates to an SQS queue."))

runMain(statusReporter)
