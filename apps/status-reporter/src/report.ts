/**
 * The lab's update_status.py: a background-check job reports its status three times, an interval
 * apart: not started (gathering the data), started, completed.
 */
import { type OutgoingMessage, Producer, Queues } from "@bgcheck/queue-core"
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

/** The message of one status update. */
const messageOf = (update: StatusUpdate, fifo: boolean): OutgoingMessage.OutgoingMessage => ({
  body: JSON.stringify(update),
  attributes: { jobId: update.jobId, status: update.status },
  ...(fifo ? { groupId: update.jobId, deduplicationId: `${update.jobId}:${update.status}` } : {})
})

/**
 * Sends the three statuses of `jobId` to `queue`, `interval` apart. On a FIFO queue the group id
 * is the job id (so the statuses stay in order) and the deduplication id is `jobId:status`. All
 * three are checked before the first is sent: a job id SQS would refuse (empty, too long, with a
 * character SQS rejects) fails with `InvalidMessage` and nothing sent.
 */
export const report = Effect.fnUntraced(function* (options: {
  readonly queue: string
  readonly jobId: string
  readonly interval: Duration.Input
  readonly onSent?: (update: StatusUpdate, messageId: string) => Effect.Effect<void>
}) {
  const producer = yield* Producer.Producer
  const queue = yield* (yield* Queues.Queues).resolve(options.queue)
  const updateAt = (index: number, timestamp: string): StatusUpdate => ({
    jobId: options.jobId,
    sequence: index + 1,
    status: STATUSES[index]!.status,
    detail: STATUSES[index]!.detail,
    timestamp
  })
  const checkedAt = DateTime.formatIso(yield* DateTime.now)
  for (const index of STATUSES.keys()) {
    yield* producer.validate(queue.url, messageOf(updateAt(index, checkedAt), queue.fifo))
  }
  for (const index of STATUSES.keys()) {
    if (index > 0) yield* Effect.sleep(options.interval)
    const update = updateAt(index, DateTime.formatIso(yield* DateTime.now))
    const sent = yield* producer.send(queue.url, messageOf(update, queue.fifo))
    if (options.onSent) yield* options.onSent(update, sent.messageId)
  }
})
