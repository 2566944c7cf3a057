import type { QueueSpec } from "./LocalSqs.ts"

/**
 * The bucket where messages larger than SQS allows are stored (the extended-client pattern).
 */
export const PAYLOAD_BUCKET = "bgcheck-payloads"

/** The lab's buckets: the payload bucket. */
export const BACKGROUND_CHECK_BUCKETS: ReadonlyArray<string> = [PAYLOAD_BUCKET]

/**
 * The lab's stack: the standard queue `BackgroundCheckApp` with a dead-letter queue
 * `BackgroundCheckApp-dlq` that takes a message after 5 failed receives.
 */
export const BACKGROUND_CHECK_QUEUES: ReadonlyArray<QueueSpec> = [
  { name: "BackgroundCheckApp", deadLetter: { maxReceiveCount: 5 } }
]
