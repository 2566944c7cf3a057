/**
 * The signals that stop an app, for the apps that stop in two steps: the first SIGINT or SIGTERM
 * asks for a clean stop, a second one (Ctrl-C again while it is stopping) for a stop at once.
 * `runMain` provides the service; the first signal also interrupts the app's main fiber, so an
 * app that stops on its own terms keeps that work uninterruptible and watches `requested`.
 */
import { Context, type Effect } from "effect"

/** The signals an app stops on. */
export type Signal = "SIGINT" | "SIGTERM"

/** What a shell expects of a command a signal stopped: 128 + the signal's number. */
export const exitCodeOf = (signal: Signal): number => (signal === "SIGINT" ? 130 : 143)

/**
 * @category services
 */
export class Shutdown extends Context.Service<
  Shutdown,
  {
    /** Completes with the first SIGINT or SIGTERM the process receives. */
    readonly requested: Effect.Effect<Signal>
    /** Completes with the next one after it: whoever was stopping cleanly should stop at once. */
    readonly forced: Effect.Effect<Signal>
  }
>()("@bgcheck/app-kit/Shutdown") {}
