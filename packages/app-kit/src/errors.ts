/**
 * Turns any failure into one line for a person: what went wrong and what to do about it.
 */
import { Redact, type SqsError } from "@bgcheck/queue-core"
import { Predicate, Schema } from "effect"
import { cut } from "./text.ts"

/** A failure whose message is complete as it is, with its exit code (2 for bad input). */
export class AppError extends Schema.TaggedError<AppError>()("AppError", {
  message: Schema.String,
  exitCode: Schema.Number
}) {}

/** A failure of the app (exit code 1). */
export const failure = (message: string) => new AppError({ message, exitCode: 1 })

/** Input the app cannot use (exit code 2). */
export const badInput = (message: string) => new AppError({ message, exitCode: 2 })

const tagOf = (error: unknown): string | undefined =>
  Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : undefined

const reasonTagOf = (error: unknown): string | undefined =>
  Predicate.hasProperty(error, "reason") ? tagOf(error.reason) : undefined

/** What to do, by the reason of an SQS failure: keyed by the reasons' own tags, so a renamed reason fails to compile. */
export type Hints = { readonly [Tag in SqsError.SqsErrorReason["_tag"]]?: string }

/** The hints for the apps that take --queue; an app with other flags gives its own (`runMain`'s `hints`). */
const HINTS: Hints = {
  EndpointUnreachable:
    "start a local SQS with `pnpm local-sqs` (or run the consumer, which starts one), " +
    "or point --endpoint / --region at a running SQS",
  QueueNotFound: "check --queue / SQS_QUEUE, --endpoint and --region, or create the queue",
  AccessDenied: "check the AWS credentials and their permissions for this queue"
}

/** What to do, by the tag of a failure that is not an SQS call's. */
const TAG_HINTS: Readonly<Record<string, string>> = {
  PayloadStoreError:
    "check --payload-bucket / SQS_PAYLOAD_BUCKET, and that S3 is reachable (AWS_ENDPOINT_URL_S3)"
}

/**
 * One line describing the failure, with a hint where there is one: from `hints` first, then the
 * apps' common ones.
 */
export const describe = (error: unknown, hints: Hints = {}): string => {
  const message =
    error instanceof Error || Predicate.hasProperty(error, "message")
      ? String((error as Error).message)
      : String(error)
  const reason = (reasonTagOf(error) ?? "") as SqsError.SqsErrorReason["_tag"]
  const hint = hints[reason] ?? HINTS[reason] ?? TAG_HINTS[tagOf(error) ?? ""]
  const line = hint === undefined ? message : `${message}: ${hint}`
  // Last line of defence: whatever produced the message, no credential leaves in it, and no
  // text of someone else's fills the screen.
  return cut(Redact.redact(line.replace(/\s*\n\s*/g, " ")))
}

/** Exit code 2 for bad command-line input, 1 for everything else. */
export const exitCodeOf = (error: unknown): number => {
  if (error instanceof AppError) return error.exitCode
  const tag = tagOf(error)
  return tag === "ShowHelp" ||
    tag === "InvalidValue" ||
    tag === "UnrecognizedOption" ||
    tag === "MissingOption" ||
    tag === "InvalidQueueRef" ||
    tag === "InvalidSqsConfig" ||
    tag === "InvalidPayloadOptions"
    ? 2
    : 1
}
