/**
 * Keeps messages that are still being handled invisible: before a message's visibility timeout
 * lapses, its visibility is extended (ChangeMessageVisibilityBatch, up to 10 a request). A
 * message stops being extended as soon as its handler is done, and never past 12 hours from its
 * receive, which is SQS's limit.
 */
import { Clock, Duration, Effect, Metric, Schedule } from "effect"
import * as ConsumerMetrics from "../ConsumerMetrics.ts"
import type { Queue } from "../Queues.ts"
import type { SqsClient } from "../SqsClient.ts"

/** SQS's limit on how long a received message can be kept invisible. */
export const MAX_LEASE = Duration.hours(12)

interface Lease {
  readonly receivedAt: number
  visibleUntil: number
}

export interface Leases {
  /** Starts keeping a just-received message invisible. */
  readonly track: (receiptHandle: string) => Effect.Effect<void>
  /** Stops: the message has been handled (or released). */
  readonly untrack: (receiptHandle: string) => void
  /** When the message was received, in epoch milliseconds (for the 12-hour limit). */
  readonly receivedAt: (receiptHandle: string) => number | undefined
}

export interface LeasesOptions {
  /** The visibility timeout given on receive and on every extension. */
  readonly visibility: Duration.Duration
}

export const make = Effect.fnUntraced(function* (
  sqs: SqsClient["Service"],
  queue: Queue,
  options: LeasesOptions
) {
  const leases = new Map<string, Lease>()
  const visibilityMillis = Duration.toMillis(options.visibility)
  const extensions = Metric.withAttributes(ConsumerMetrics.leaseExtensions, { queue: queue.name })

  const track = (receiptHandle: string) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      leases.set(receiptHandle, { receivedAt: now, visibleUntil: now + visibilityMillis })
    })

  // Extend when half the visibility timeout is left; check four times per timeout.
  const margin = visibilityMillis / 2
  const tick = Duration.millis(Math.min(Math.max(visibilityMillis / 4, 50), 60_000))

  const extendDue = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const due: Array<{ receiptHandle: string; lease: Lease; seconds: number }> = []
    for (const [receiptHandle, lease] of leases) {
      if (lease.visibleUntil - now > margin) continue
      const leftUnderCap = Math.floor((lease.receivedAt + Duration.toMillis(MAX_LEASE) - now) / 1000)
      const seconds = Math.min(Math.ceil(visibilityMillis / 1000), leftUnderCap)
      if (seconds <= 0) continue
      due.push({ receiptHandle, lease, seconds })
    }
    for (let start = 0; start < due.length; start += 10) {
      const chunk = due.slice(start, start + 10)
      const output = yield* sqs
        .changeMessageVisibilityBatch({
          QueueUrl: queue.url,
          Entries: chunk.map((entry, index) => ({
            Id: String(index),
            ReceiptHandle: entry.receiptHandle,
            VisibilityTimeout: entry.seconds
          }))
        })
        .pipe(
          Effect.catch((error) =>
            Effect.as(
              Effect.logWarning(`could not extend the visibility of messages in progress: ${error.message}`),
              {
                Successful: []
              }
            )
          )
        )
      for (const ok of output.Successful ?? []) {
        const entry = chunk[Number(ok.Id)]
        // Only if still in progress: a handler may have finished meanwhile.
        if (entry !== undefined && leases.get(entry.receiptHandle) === entry.lease) {
          entry.lease.visibleUntil = now + entry.seconds * 1000
        }
      }
      yield* Metric.update(extensions, output.Successful?.length ?? 0)
    }
  })

  if (visibilityMillis > 0) {
    yield* Effect.forkScoped(Effect.repeat(extendDue, Schedule.spaced(tick)))
  }

  return {
    track,
    untrack: (receiptHandle) => {
      leases.delete(receiptHandle)
    },
    receivedAt: (receiptHandle) => leases.get(receiptHandle)?.receivedAt
  } satisfies Leases
})
