/**
 * Hands received messages to handlers. On a standard queue each message gets its own fiber, so a
 * slow one never holds back the others. On a FIFO queue the messages of one group are handled one
 * after another, in order, also across receives, while groups run in parallel; after a failure,
 * or once shutdown has begun, the group's later messages in hand are released rather than handled
 * out of order.
 */
import { Deferred, Effect, FiberSet, type Scope } from "effect"
import type { HandleOne } from "./handling.ts"
import type { Held } from "./inFlight.ts"

export interface Dispatch<R> {
  readonly dispatch: (messages: ReadonlyArray<Held>) => Effect.Effect<void, never, R>
  /** The fibers handling messages now (for shutdown). */
  readonly handlers: FiberSet.FiberSet<unknown, never>
}

export interface Dependencies<R> {
  readonly fifo: boolean
  readonly handleOne: HandleOne<R>
  /** A message that will not be handled now: visible again at once. */
  readonly release: (held: Held) => Effect.Effect<void>
  readonly stopping: () => boolean
}

export const make = <R>({
  fifo,
  handleOne,
  release,
  stopping
}: Dependencies<R>): Effect.Effect<Dispatch<R>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const handlers = yield* FiberSet.make<unknown, never>()

    // The last group run of each FIFO group: the next one waits for it, so order holds across receives.
    const groupTails = new Map<string, Deferred.Deferred<void>>()
    const handleGroup = (groupId: string, messages: ReadonlyArray<Held>) => {
      const previous = groupTails.get(groupId)
      const done = Deferred.makeUnsafe<void>()
      groupTails.set(groupId, done)
      let next = 0
      return Effect.gen(function* () {
        if (previous !== undefined) yield* Effect.interruptible(Deferred.await(previous))
        let failed = false
        for (; next < messages.length; next++) {
          const held = messages[next]!
          if (failed || stopping()) yield* release(held)
          else failed = !(yield* handleOne(held))
        }
      }).pipe(
        Effect.onInterrupt(() => Effect.forEach(messages.slice(next), release, { discard: true })),
        Effect.ensuring(
          Effect.suspend(() => {
            if (groupTails.get(groupId) === done) groupTails.delete(groupId)
            return Deferred.succeed(done, undefined)
          })
        )
      )
    }

    const dispatch = (messages: ReadonlyArray<Held>) =>
      Effect.gen(function* () {
        if (!fifo) {
          for (const held of messages) yield* FiberSet.run(handlers, handleOne(held))
          return
        }
        const groups = new Map<string, Array<Held>>()
        for (const held of messages) {
          const key = held.message.groupId ?? ""
          const group = groups.get(key)
          if (group === undefined) groups.set(key, [held])
          else group.push(held)
        }
        for (const [groupId, inGroup] of groups) yield* FiberSet.run(handlers, handleGroup(groupId, inGroup))
      })

    return { dispatch, handlers }
  })
