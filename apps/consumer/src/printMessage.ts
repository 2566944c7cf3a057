/**
 * What the consumer prints for each message, on stdout: as the lab's receive.py did, the message
 * id and body; with `--log-format json`, one JSON object per message.
 */

import type { Flags } from "@bgcheck/app-kit"
import type { Consumer } from "@bgcheck/queue-core"
import { Console } from "effect"

export const formatMessage = (message: Consumer.ReceivedMessage, format: Flags.LogFormat): string => {
  if (format === "pretty") return `[${message.messageId}] ${message.body}`
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

export const printMessage = (format: Flags.LogFormat) => (message: Consumer.ReceivedMessage) =>
  Console.log(formatMessage(message, format))
