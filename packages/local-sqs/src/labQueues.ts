import type { QueueSpec } from "./LocalSqs.ts"

/**
 * The lab's stack: the standard queue `BackgroundCheckApp` with a dead-letter queue
 * `BackgroundCheckApp-dlq` that takes a message after 5 failed receives.
 */
export const BACKGROUND_CHECK_QUEUES: ReadonlyArray<QueueSpec> = [
  { name: "BackgroundCheckApp", deadLetter: { maxReceiveCount: 5 } }
]
