/**
 * fauxqs reports every error's legacy code with an `AWS.SimpleQueueService.` prefix in the
 * `x-amzn-query-error` header. Real SQS prefixes only some of them, and the AWS SDK picks its
 * typed exception (InvalidMessageContents, ReceiptHandleIsInvalid, ...) by that exact code, so we
 * rewrite the header to what real SQS sends. The table mirrors the SDK's SQS model.
 */
const PREFIX = "AWS.SimpleQueueService."

/** Codes real SQS sends with the prefix (the SDK model's `awsQueryError` entries). */
const prefixedInRealSqs = new Set([
  "BatchEntryIdsNotDistinct",
  "BatchRequestTooLong",
  "EmptyBatchRequest",
  "InvalidBatchEntryId",
  "MessageNotInflight",
  "NonExistentQueue",
  "PurgeQueueInProgress",
  "QueueDeletedRecently",
  "TooManyEntriesInBatchRequest",
  "UnsupportedOperation"
])

/** Codes whose legacy name differs from the JSON name. */
const renamed: Record<string, string> = {
  QueueNameExists: "QueueAlreadyExists"
}

/** Turns fauxqs's `x-amzn-query-error` value into the one real SQS would send. */
export const realQueryErrorHeader = (value: string): string => {
  const [code = "", fault = "Sender"] = value.split(";")
  const bare = code.startsWith(PREFIX) ? code.slice(PREFIX.length) : code
  const name = renamed[bare] ?? bare
  return `${prefixedInRealSqs.has(name) ? PREFIX : ""}${name};${fault}`
}
