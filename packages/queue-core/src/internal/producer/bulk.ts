/**
 * A bulk send: a stream of any length sent with bounded concurrency and constant memory,
 * counting what was sent and what failed, keeping the first failures and reporting progress.
 */
import { Clock, Effect, Exit, Stream } from "effect"
import type { BulkFailure, BulkOptions, BulkSummary, ProducerError, Progress, Sent } from "./model.ts"

/** A failure as a bulk send reports it: a code and a message. */
const describeFailure = (
  error: ProducerError | undefined
): { readonly code: string; readonly message: string } => {
  if (error === undefined) return { code: "Defect", message: "unexpected failure" }
  switch (error._tag) {
    case "SendFailed":
      return { code: error.code, message: error.reason }
    case "SqsError":
      return { code: error.reason._tag, message: error.message }
    default:
      return { code: error._tag, message: error.message }
  }
}

export const sendAll = <A, E, R>(
  items: Stream.Stream<A, E, R>,
  send: (item: A) => Effect.Effect<Sent, ProducerError>,
  options: BulkOptions<A>
): Effect.Effect<BulkSummary<A>, E, R> =>
  Effect.gen(function* () {
    const started = yield* Clock.currentTimeMillis
    const maxFailuresKept = options.maxFailuresKept ?? 100
    let sent = 0
    let failed = 0
    const failures: Array<BulkFailure<A>> = []
    const progress = (now: number): Progress => {
      const seconds = Math.max(now - started, 1) / 1000
      return { sent, failed, seconds, rate: sent / seconds }
    }
    yield* items.pipe(
      Stream.mapEffect((item) => Effect.map(Effect.exit(send(item)), (exit) => [item, exit] as const), {
        concurrency: options.concurrency ?? 40
      }),
      Stream.runForEach(([item, exit]) =>
        Effect.gen(function* () {
          if (Exit.isSuccess(exit)) sent++
          else {
            failed++
            if (failures.length < maxFailuresKept) {
              const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
              failures.push({ item, ...describeFailure(error) })
            }
          }
          if (options.onProgress !== undefined)
            yield* options.onProgress(progress(yield* Clock.currentTimeMillis))
        })
      )
    )
    return { ...progress(yield* Clock.currentTimeMillis), failures } satisfies BulkSummary<A>
  })
