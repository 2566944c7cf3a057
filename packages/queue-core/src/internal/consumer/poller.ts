/**
 * The poll loop: receives only when there is room (`InFlight`), and hands what it gets to
 * dispatch.
 *
 * - One poller always runs; more (up to one per `maxMessages` of room, at most 16) join only
 *   while the queue has a backlog: each receive that came back full lets one more receive go
 *   out, so an idle consumer keeps a single long poll open and a steady flow that one poller
 *   keeps up with gets no extra, half-empty receives.
 * - A receive asks for as many messages as there is room for, up to `maxMessages`, after
 *   waiting up to `partialReceivePause` for room for all of them; room it did not use is given
 *   back at once.
 * - A poll in flight is never aborted (an aborted long poll can swallow a message for a whole
 *   visibility timeout): shutdown waits for it and what it got is released at once.
 * - A failed receive is logged and retried under `receiveRetrySchedule`, for as long as the
 *   consumer runs; it is the only retry of receives (the client does not retry them), and its
 *   waits can be interrupted.
 * - After a receive that was neither empty nor full, a poller pauses for `partialReceivePause`
 *   (default 10 ms), so that under a steady flow each receive takes a full batch: one request
 *   for 10 messages rather than for two.
 * - With short polls (`waitTime` 0), a poller pauses after each empty receive, longer as they
 *   follow each other (`emptyReceiveBackoff`): an idle queue would otherwise be asked hundreds of
 *   times a second, each receive billed.
 */
import { Clock, Duration, Effect, type Fiber, Metric, type Scope, Queue as Tokens } from "effect"
import type { QueueMetrics } from "../../ConsumerMetrics.ts"
import type { Queue } from "../../Queues.ts"
import type { SqsClient } from "../../SqsClient.ts"
import type { SqsError } from "../../SqsError.ts"
import { delayAt } from "../scheduleDelay.ts"
import type { Held, InFlight } from "./inFlight.ts"
import { toReceived } from "./model.ts"
import type { Settings } from "./settings.ts"

/** At most this many receives overlap, however large `maxInFlight` is. */
export const MAX_POLLERS = 16

/** Steps of `emptyReceiveBackoff` followed at most: its delay has stopped growing long before. */
const MAX_PAUSE_STEP = 16

export interface Dependencies<R> {
  readonly sqs: SqsClient["Service"]
  readonly queue: Queue
  readonly settings: Settings
  readonly inFlight: InFlight
  readonly metrics: QueueMetrics
  readonly dispatch: (messages: ReadonlyArray<Held>) => Effect.Effect<void, never, R>
  readonly release: (held: Held) => Effect.Effect<void>
  readonly stopping: () => boolean
}

/**
 * Starts the pollers. The first one's fiber ends only if `receiveRetrySchedule` gives up (the
 * default never does).
 */
export const start = <R>({
  sqs,
  queue,
  settings,
  inFlight,
  metrics,
  dispatch,
  release,
  stopping
}: Dependencies<R>): Effect.Effect<ReadonlyArray<Fiber.Fiber<never, SqsError>>, never, Scope.Scope | R> =>
  Effect.gen(function* () {
    const visibilityMillis = Duration.toMillis(settings.visibility ?? queue.visibilityTimeout)
    // One token per full receive (at most one per extra poller): an extra receive goes out only
    // when a full one suggests there is more waiting.
    const fullReceives = yield* Tokens.dropping<void>(MAX_POLLERS)

    const receive = (count: number) =>
      sqs.receiveMessage({
        QueueUrl: queue.url,
        MaxNumberOfMessages: count,
        WaitTimeSeconds: settings.waitSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
        ...(settings.visibility === undefined
          ? {}
          : { VisibilityTimeout: Math.ceil(Duration.toSeconds(settings.visibility)) })
      })

    // Waiting for room can be interrupted; the receive and the hand-over cannot.
    const poll = Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        // Short of room for a full receive, wait a moment for it: one receive of 10 rather than
        // several of one or two as room frees up message by message.
        const count = yield* restore(
          inFlight.takeForReceive(
            Math.min(settings.maxMessages, settings.maxInFlight),
            settings.partialReceivePause
          )
        )
        const output = yield* receive(count).pipe(Effect.onError(() => inFlight.giveBack(count)))
        const receivedAt = yield* Clock.currentTimeMillis
        // The health of the loop: a receive came back (see `ConsumerMetrics.health`).
        yield* Metric.update(metrics.lastReceive, receivedAt / 1000)
        const messages = (output.Messages ?? []).map((message) => toReceived(message, queue))
        yield* inFlight.giveBack(count - messages.length)
        if (messages.length === count) yield* Tokens.offer(fullReceives, undefined)
        if (messages.length === 0) {
          yield* Metric.update(metrics.emptyReceives, 1)
          return 0
        }
        yield* Metric.update(metrics.received, messages.length)
        const held = yield* inFlight.hold(messages, visibilityMillis, receivedAt)
        if (stopping()) yield* Effect.forEach(held, release, { concurrency: "unbounded", discard: true })
        else yield* dispatch(held)
        return messages.length
      })
    )

    const pollWithBackoff = poll.pipe(
      Effect.tapError((error) => Effect.logWarning(`receive failed, retrying: ${error.message}`)),
      Effect.retry(settings.receiveRetrySchedule)
    )

    // The n-th empty short poll in a row pauses for the schedule's n-th delay (capped: it has
    // reached its longest by then).
    const pauseAfter = (emptyInARow: number) =>
      settings.waitSeconds > 0 || emptyInARow === 0
        ? Effect.void
        : Effect.flatMap(
            delayAt(settings.emptyReceiveBackoff, Math.min(emptyInARow, MAX_PAUSE_STEP), undefined),
            Effect.sleep
          )

    // A receive that came back with some messages but not a full batch means they arrive about
    // as fast as they are received: a short pause lets the next receive take a full batch
    // instead of one or two, for a few milliseconds of latency.
    const partialPause = Duration.isZero(settings.partialReceivePause)
      ? Effect.void
      : Effect.sleep(settings.partialReceivePause)

    const poller = (first: boolean) =>
      Effect.suspend(() => {
        let emptyInARow = 0
        const once = first ? pollWithBackoff : Effect.andThen(Tokens.take(fullReceives), pollWithBackoff)
        return Effect.forever(
          Effect.flatMap(once, (received) => {
            emptyInARow = received === 0 ? emptyInARow + 1 : 0
            if (received > 0 && received < settings.maxMessages) return partialPause
            return pauseAfter(emptyInARow)
          })
        )
      })

    const count = Math.min(Math.ceil(settings.maxInFlight / settings.maxMessages), MAX_POLLERS)
    return yield* Effect.forEach(
      Array.from({ length: count }, (_, index) => index),
      (index) => Effect.forkScoped(poller(index === 0))
    )
  })
