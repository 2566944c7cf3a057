/**
 * A progress bar for bulk sends, on stderr when it is a terminal (cli-progress); nothing
 * otherwise.
 */
import type { Producer } from "@bgcheck/queue-core"
import { SingleBar } from "cli-progress"
import { Effect } from "effect"

export interface ProgressBar {
  readonly update: (progress: Producer.Progress) => Effect.Effect<void>
  readonly stop: Effect.Effect<void>
}

const none: ProgressBar = { update: () => Effect.void, stop: Effect.void }

export const make = (total: number | undefined): Effect.Effect<ProgressBar> =>
  Effect.sync(() => {
    if (!process.stderr.isTTY || (total !== undefined && total < 2)) return none
    const bar = new SingleBar({
      stream: process.stderr,
      format:
        total === undefined
          ? " {value} sent, {failed} failed | {rate} msg/s"
          : " [{bar}] {percentage}% | {value}/{total} | {failed} failed | {rate} msg/s | {left} left",
      hideCursor: true,
      clearOnComplete: true
    })
    bar.start(total ?? 0, 0, { failed: 0, rate: 0, left: "?" })
    return {
      update: (progress) =>
        Effect.sync(() => {
          const done = progress.sent + progress.failed
          // Our own estimate: cli-progress's is thrown off by updates this frequent.
          const left =
            total === undefined || progress.rate === 0 ? "?" : `${Math.ceil((total - done) / progress.rate)}s`
          bar.update(done, { failed: progress.failed, rate: Math.round(progress.rate), left })
        }),
      stop: Effect.sync(() => bar.stop())
    }
  })
