/**
 * What the consumer prints for each message, on stdout: as the lab's receive.py did, the message
 * id and body, on one line (control characters escaped: a body cannot print lines that look like
 * other messages); with `--log-format json`, one JSON object per message.
 */

import { type Flags, Text } from "@bgcheck/app-kit"
import type { Consumer } from "@bgcheck/queue-core"
import { Effect } from "effect"

export const formatMessage = (message: Consumer.ReceivedMessage, format: Flags.LogFormat): string => {
  if (format === "pretty") return Text.escapeControl(`[${message.messageId}] ${message.body}`)
  const sent = Number(message.attributes.SentTimestamp)
  return JSON.stringify({
    messageId: message.messageId,
    body: message.body,
    queue: message.queue.name,
    receiveCount: message.receiveCount,
    ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(message.groupId === undefined ? {} : { groupId: message.groupId })
  })
}

/**
 * Prints the message and completes once the line has been handed to the operating system, not
 * when it is queued in this process: printing is this consumer's work, and its message is deleted
 * right after. A line of megabytes into a full pipe would otherwise wait in memory, and a process
 * killed then would have deleted a message whose line never came out.
 */
export const printMessage = (format: Flags.LogFormat) => (message: Consumer.ReceivedMessage) =>
  Effect.callback<void, Error>((resume) => {
    process.stdout.write(`${formatMessage(message, format)}\n`, (error) =>
      resume(error == null ? Effect.void : Effect.fail(error))
    )
  })
