/**
 * Collects items and hands them to `flush` in groups of at most `maxSize`, waiting `delay` after
 * the first item so that more can join its group. A flush in progress is never cut short, and
 * closing the scope flushes whatever is still pending.
 */
import { Duration, Effect, Fiber, Queue } from "effect"

export interface Batcher<A> {
  readonly offer: (item: A) => Effect.Effect<void>
}

export interface BatcherOptions {
  readonly maxSize: number
  readonly delay: Duration.Input
}

export const make = Effect.fnUntraced(function* <A>(
  flush: (items: ReadonlyArray<A>) => Effect.Effect<void>,
  options: BatcherOptions
) {
  const pending = yield* Queue.unbounded<A>()
  const delay = Duration.fromInputUnsafe(options.delay)

  const flushInGroups = (items: ReadonlyArray<A>): Effect.Effect<void> =>
    Effect.forEach(
      Array.from({ length: Math.ceil(items.length / options.maxSize) }, (_, i) =>
        items.slice(i * options.maxSize, (i + 1) * options.maxSize)
      ),
      flush,
      { discard: true }
    )

  // Items taken from the queue are held uninterruptibly until flushed, so none is dropped.
  const once = Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const first = yield* restore(Queue.takeBetween(pending, 1, options.maxSize))
      if (first.length >= options.maxSize || Duration.isZero(delay)) return yield* flush(first)
      // Shutdown may cut the wait short, but not the flush of what was taken.
      yield* Effect.exit(restore(Effect.sleep(delay)))
      // takeBetween with a minimum of 0 takes nothing: ask for what is there, without waiting.
      const available = yield* Queue.size(pending)
      const more = available > 0 ? yield* Queue.takeBetween(pending, 1, options.maxSize - first.length) : []
      yield* flush([...first, ...more])
    })
  )

  const worker = yield* Effect.forkDetach(Effect.forever(once))
  yield* Effect.addFinalizer(() =>
    Fiber.interrupt(worker).pipe(Effect.andThen(Queue.clear(pending)), Effect.flatMap(flushInGroups))
  )

  return {
    offer: (item: A) => Effect.asVoid(Queue.offer(pending, item))
  } satisfies Batcher<A>
})
