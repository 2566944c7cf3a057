/**
 * Lossless shutdown, when the consumer is interrupted (SIGINT/SIGTERM through the runtime): no
 * new polls; the polls in flight complete and what they got is released at once; running
 * handlers get `shutdownTimeout` to finish, then are interrupted and their messages released;
 * then the deletes still queued go out and are awaited. Every other settlement is awaited by its
 * handler, so when this returns, SQS has answered for every message the consumer held.
 */
import { Duration, Effect, Fiber, FiberSet } from "effect"
import type { SqsError } from "../../SqsError.ts"
import type { Settings } from "./settings.ts"

export interface Shutdown {
  /** True once shutdown has begun. */
  readonly stopping: () => boolean
  /** Joins the first poller until interrupted, then shuts down before returning. */
  readonly runUntilInterrupted: (parts: {
    readonly pollers: ReadonlyArray<Fiber.Fiber<never, SqsError>>
    readonly handlers: FiberSet.FiberSet<unknown, never>
    /** Sends the queued deletes and waits for SQS's answers. */
    readonly deletes: Effect.Effect<void>
  }) => Effect.Effect<never, SqsError>
}

export const make = (settings: Settings): Shutdown => {
  let stopping = false

  /** Gives running handlers the deadline, then interrupts them (their messages are released). */
  const drainHandlers = (handlers: FiberSet.FiberSet<unknown, never>) =>
    Effect.flatMap(FiberSet.size(handlers), (running) =>
      running === 0
        ? Effect.void
        : Effect.logInfo(
            `shutting down: waiting up to ${Duration.format(settings.shutdownTimeout)} for ${running} handler(s) in progress`
          ).pipe(
            Effect.andThen(
              FiberSet.awaitEmpty(handlers).pipe(Effect.timeoutOption(settings.shutdownTimeout))
            ),
            Effect.andThen(FiberSet.clear(handlers))
          )
    )

  return {
    stopping: () => stopping,
    runUntilInterrupted: ({ pollers, handlers, deletes }) => {
      const shutdown = Effect.suspend(() => {
        stopping = true
        return Effect.logInfo(
          `shutting down: no new polls; letting the poll in flight finish (up to ${settings.waitSeconds}s)`
        ).pipe(
          Effect.andThen(
            Effect.all([Fiber.interruptAll(pollers), drainHandlers(handlers)], {
              concurrency: "unbounded",
              discard: true
            })
          ),
          Effect.andThen(deletes)
        )
      })
      // On a detached fiber: fibers forked by the interrupted fiber itself (timeouts, races)
      // would be interrupted with it.
      return Fiber.join(pollers[0]!).pipe(
        Effect.onInterrupt(() => Effect.flatMap(Effect.forkDetach(shutdown), Fiber.await))
      )
    }
  }
}
