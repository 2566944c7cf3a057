/**
 * The lab's update_status.py: a background-check job reports its status three times, an interval
 * apart: not started (gathering the data), started, completed.
 */
import { Producer, Queues } from "@bgcheck/queue-core"
import { DateTime, type Duration, Effect } from "effect"

export const STATUSES = [
  { status: "not-started", detail: "Not started yet: gathering the data for the background check" },
  { status: "started", detail: "The background check has started" },
  { status: "completed", detail: "The background check is complete" }
] as const

export type Status = (typeof STATUSES)[number]["status"]

/** The body of one status message. */
export interface StatusUpdate {
  readonly jobId: string
  readonly sequence: number
  readonly status: Status
  readonly detail: string
  readonly timestamp: string
}

/**
 * Sends the three statuses of `jobId` to `queue`, `interval` apart. On a FIFO queue the group id
 * is the job id (so the statuses stay in order) and the deduplication id is `jobId:status`.
 */
export const report = Effect.fnUntraced(function* (options: {
  readonly queue: string
  readonly jobId: string
  readonly interval: Duration.Input
  readonly onSent?: (update: StatusUpdate, messageId: string) => Effect.Effect<void>
}) {
  const producer = yield* Producer.Producer
  const queue = yield* (yield* Queues.Queues).resolve(options.queue)
  for (const [index, { status, detail }] of STATUSES.entries()) {
    if (index > 0) yield* Effect.sleep(options.interval)
    const update: StatusUpdate = {
      jobId: options.jobId,
      sequence: index + 1,
      status,
      detail,
      timestamp: DateTime.formatIso(yield* DateTime.now)
    }
    const sent = yield* producer.send(queue.url, {
      body: JSON.stringify(update),
      attributes: { jobId: options.jobId, status },
      ...(queue.fifo ? { groupId: options.jobId, deduplicationId: `${options.jobId}:${status}` } : {})
    })
    if (options.onSent) yield* options.onSent(update, sent.messageId)
  }
})
