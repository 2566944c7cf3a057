/**
 * What the sender says after a bulk send, as lines for people (stderr) or one JSON object for
 * scripts (stdout): sent, failed, and when a signal stopped it, what was not sent and where to
 * resume: the last line up to which every line was answered, and how many after it were sent.
 */
import type { Shutdown } from "@bgcheck/app-kit"
import type { Producer } from "@bgcheck/queue-core"
import { Option } from "effect"
import type { Labelled } from "./messages.ts"

/** Where the messages came from: a resume is told in its terms. */
export type Source =
  | { readonly _tag: "File"; readonly path: string }
  | { readonly _tag: "Stdin" }
  | { readonly _tag: "Copies" }

export interface Run {
  readonly queue: string
  readonly source: Source
  /** Messages the pre-check counted: all that were to be sent. */
  readonly total: number
  /** The signal that stopped the send, when one did. */
  readonly stoppedBy: Option.Option<Shutdown.Signal>
}

/** How far a stopped send got. */
export interface Stop {
  readonly signal: Shutdown.Signal
  /** Never sent: the messages after the stop, and those taken but not yet in a request. */
  readonly notSent: number
  /** In requests abandoned on a second signal: SQS may or may not have stored them. */
  readonly abandoned: number
  /** Every line (or copy) up to this number was answered by SQS; 0 when none was. */
  readonly through: number
  /** Lines after `through` that were sent too: a resume from `through + 1` sends them again. */
  readonly sentAfter: number
  /** True when every message was answered: there is nothing to resume. */
  readonly complete: boolean
}

export const stopOf = (run: Run, summary: Producer.BulkSummary<Labelled>): Option.Option<Stop> =>
  Option.map(
    Option.filter(run.stoppedBy, () => summary.stopped),
    (signal): Stop => ({
      signal,
      notSent: run.total - summary.sent - summary.failed - summary.abandoned,
      abandoned: summary.abandoned,
      through: Option.match(summary.lastOfPrefix, { onNone: () => 0, onSome: (last) => last.number }),
      sentAfter: summary.sentAfterPrefix,
      complete: summary.answeredPrefix === run.total
    })
  )

const failuresOf = (summary: Producer.BulkSummary<Labelled>) =>
  summary.failures.map((failure) => ({
    message: failure.item.label,
    code: failure.code,
    reason: failure.message
  }))

/** The JSON summary: the fields of a whole run, and when stopped, how far it got. */
export const json = (run: Run, summary: Producer.BulkSummary<Labelled>): string => {
  const stop = stopOf(run, summary)
  const unit = run.source._tag === "Copies" ? "Message" : "Line"
  return JSON.stringify({
    queue: run.queue,
    sent: summary.sent,
    failed: summary.failed,
    seconds: Number(summary.seconds.toFixed(3)),
    messagesPerSecond: Math.round(summary.rate),
    failures: failuresOf(summary),
    total: run.total,
    interrupted: Option.isSome(stop),
    ...Option.match(stop, {
      onNone: () => ({ notSent: 0 }),
      onSome: (stop) => ({
        signal: stop.signal,
        notSent: stop.notSent,
        abandoned: stop.abandoned,
        [`sentThrough${unit}`]: stop.through,
        ...(stop.complete ? {} : { [`resumeFrom${unit}`]: stop.through + 1 }),
        duplicatesOnResume: stop.sentAfter
      })
    })
  })
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** Where to resume, in the source's terms. */
const resumeHint = (source: Source, from: number): string => {
  switch (source._tag) {
    case "File":
      return `to send the rest: tail -n +${from} ${source.path} | sender --file - (with the same other flags)`
    case "Stdin":
      return `to send the rest, give sender --file - the same input from line ${from} on (tail -n +${from})`
    case "Copies":
      return `the rest are copies ${from} to the end`
  }
}

/** The text summary: failures, one line of counts, and when stopped, where to resume. */
export const lines = (run: Run, summary: Producer.BulkSummary<Labelled>): Array<string> => {
  const failures = failuresOf(summary)
  const out = failures.map((failure) => `failed ${failure.message}: ${failure.code}: ${failure.reason}`)
  if (summary.failed > failures.length) out.push(`... and ${summary.failed - failures.length} more failures`)
  const timing = `in ${summary.seconds.toFixed(2)}s (${Math.round(summary.rate)} messages/s)`
  const stop = stopOf(run, summary)
  if (Option.isNone(stop)) {
    out.push(`${summary.sent} sent, ${summary.failed} failed to ${run.queue} ${timing}`)
    return out
  }
  const { signal, notSent, abandoned, through, sentAfter, complete } = stop.value
  const unit = run.source._tag === "Copies" ? "message" : "line"
  const abandonedCount = abandoned > 0 ? `, ${abandoned} abandoned` : ""
  out.push(
    `stopped by ${signal}: ${summary.sent} sent, ${summary.failed} failed, ${notSent} not sent${abandonedCount} to ${run.queue} ${timing}`
  )
  if (abandoned > 0) {
    out.push(
      `the requests in flight were abandoned: SQS may or may not have stored their ${plural(abandoned, "message")} (a resume sends them again)`
    )
  }
  if (complete) {
    out.push(`every ${unit} was ${summary.failed === 0 ? "sent" : "sent or failed"}: nothing is left to send`)
    return out
  }
  const answered = summary.failed === 0 ? "sent" : "sent or failed (as listed)"
  out.push(
    through === 0
      ? `the first ${unit} was not sent`
      : `every ${unit} through ${unit} ${through} was ${answered}`
  )
  if (sentAfter > 0) {
    out.push(`${plural(sentAfter, unit)} after ${unit} ${through} were sent too: resuming sends them again`)
  }
  out.push(resumeHint(run.source, through + 1))
  return out
}
