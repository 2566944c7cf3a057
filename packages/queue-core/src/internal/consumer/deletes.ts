/**
 * The deletes of a consumer: one plain buffer of receipts, sent in DeleteMessageBatch requests
 * by the entry batcher (`submitAll`: up to 10 a request, `settlementConcurrency` requests in
 * flight, entries SQS failed on its side retried), and answered a request at a time.
 *
 * A handler's fiber only queues its message's delete and ends; the message keeps its room and
 * its lease until SQS answers, when `answered` settles the whole request's messages at once. The
 * buffer goes out as soon as it holds 10 receipts, when `flush` says every handler of a receive
 * has finished, or after `delay` at the latest.
 */
import { Duration, Effect, type Exit, FiberSet, type Scope } from "effect"
import type { EntryBatcher } from "../entryBatcher.ts"
import type { Held } from "./inFlight.ts"

/** A delete waiting for SQS's answer. */
export interface Deletion<A> {
  readonly held: Held
  /** What the settlement needs to know about it when SQS answers. */
  readonly context: A
}

export interface Deletes<A> {
  /** Queues a delete; does not wait for it. */
  readonly add: (deletion: Deletion<A>) => Effect.Effect<void>
  /** Sends what is buffered now. */
  readonly flush: Effect.Effect<void>
  /** Runs `effect` after the answers being processed, so that shutdown can wait for it too. */
  readonly fork: (effect: Effect.Effect<void>) => Effect.Effect<void>
  /** Sends what is buffered and waits until SQS has answered every delete (for shutdown). */
  readonly drain: Effect.Effect<void>
}

export interface Dependencies<A, Ok, E> {
  readonly queueUrl: string
  readonly batcher: EntryBatcher<{ readonly ReceiptHandle: string }, Ok, E>
  readonly delay: Duration.Duration
  /** SQS answered one request's deletes (in order: each deletion with its outcome). */
  readonly answered: (
    deletions: ReadonlyArray<Deletion<A>>,
    outcomes: ReadonlyArray<Exit.Exit<Ok, unknown>>
  ) => Effect.Effect<void>
}

export const make = <A, Ok, E>({
  queueUrl,
  batcher,
  delay,
  answered
}: Dependencies<A, Ok, E>): Effect.Effect<Deletes<A>, never, Scope.Scope> =>
  Effect.gen(function* () {
    // The requests on their way and what follows their answers: shutdown waits for them all.
    const running = yield* FiberSet.make<void, never>()
    const timers = yield* FiberSet.make<void, never>()
    let buffer: Array<Deletion<A>> = []
    let timerArmed = false

    const send = (deletions: ReadonlyArray<Deletion<A>>) =>
      Effect.flatMap(
        batcher.submitAll(
          queueUrl,
          deletions.map((deletion) => ({
            entry: { ReceiptHandle: deletion.held.message.receiptHandle },
            size: 0
          }))
        ),
        (outcomes) => answered(deletions, outcomes)
      )

    const flush = Effect.suspend(() => {
      if (buffer.length === 0) return Effect.void
      const deletions = buffer
      buffer = []
      return Effect.asVoid(FiberSet.run(running, send(deletions)))
    })

    // One timer per buffer that started filling; it may go off early for a later buffer when an
    // earlier one was sent full, which costs at most one smaller request.
    const timer = Effect.sleep(delay).pipe(
      Effect.andThen(
        Effect.suspend(() => {
          timerArmed = false
          return flush
        })
      )
    )

    const add = (deletion: Deletion<A>) =>
      Effect.suspend(() => {
        buffer.push(deletion)
        if (buffer.length >= 10 || Duration.isZero(delay)) return flush
        if (timerArmed) return Effect.void
        timerArmed = true
        return Effect.asVoid(FiberSet.run(timers, timer))
      })

    const drain = FiberSet.clear(timers).pipe(
      Effect.andThen(
        Effect.suspend(() => {
          timerArmed = false
          return flush
        })
      ),
      Effect.andThen(FiberSet.awaitEmpty(running))
    )

    return {
      add,
      flush,
      fork: (effect) => Effect.asVoid(FiberSet.run(running, effect)),
      drain
    } satisfies Deletes<A>
  })
