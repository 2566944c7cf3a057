/**
 * The MD5 checks the SDK makes on message bodies: a received body against its `MD5OfBody`, a
 * sent body against the `MD5OfMessageBody` SQS answers with. Over plain HTTP (a local server,
 * a proxy) they are the only check that a body arrived as it was sent.
 *
 * Like the SDK, only bodies are checked, not `MD5OfMessageAttributes`. A mismatch fails the
 * whole call, as in the SDK, with an error named `ChecksumMismatch` that names the messages.
 */
import { hash } from "node:crypto"
import { Unknown } from "../../SqsError.ts"

const md5 = (text: string): string => hash("md5", text)

/** The reason of a mismatch: unknown, and not retryable. */
export const mismatch = (messageIds: ReadonlyArray<string | undefined>): Unknown =>
  new Unknown({
    code: "ChecksumMismatch",
    message:
      `ChecksumMismatch: the MD5 of the body of message ${messageIds.join(", ")} does not match the one SQS reported: ` +
      "the body changed between SQS and this process"
  })

/** Ids of received messages whose body does not match `MD5OfBody` (a missing digest does not match). */
export const receivedMismatches = (
  messages:
    | ReadonlyArray<{
        readonly MessageId?: string | undefined
        readonly Body?: string | undefined
        readonly MD5OfBody?: string | undefined
      }>
    | undefined
): ReadonlyArray<string | undefined> => {
  if (messages === undefined) return []
  const ids: Array<string | undefined> = []
  for (const message of messages)
    if (md5(message.Body ?? "") !== message.MD5OfBody) ids.push(message.MessageId)
  return ids
}

/** Ids of sent messages whose body does not match the `MD5OfMessageBody` SQS answered with. */
export const sentMismatches = (
  entries: ReadonlyArray<{ readonly Id: string | undefined; readonly MessageBody: string | undefined }>,
  successful:
    | ReadonlyArray<{
        readonly Id?: string | undefined
        readonly MessageId?: string | undefined
        readonly MD5OfMessageBody?: string | undefined
      }>
    | undefined
): ReadonlyArray<string | undefined> => {
  if (successful === undefined || successful.length === 0) return []
  const bodies = new Map<string | undefined, string | undefined>()
  for (const entry of entries) bodies.set(entry.Id, entry.MessageBody)
  const ids: Array<string | undefined> = []
  for (const ok of successful) {
    if (bodies.has(ok.Id) && md5(bodies.get(ok.Id) ?? "") !== ok.MD5OfMessageBody) ids.push(ok.MessageId)
  }
  return ids
}
