/** The AWS SDK with no library: INSTANCES callers, each sending batches of 10 one after another. */
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs"
import { credentials, keepAlive, messageBody, region, reportSent, settings } from "../contender.ts"

let sent = 0
reportSent(() => sent)
const sqs = new SQSClient({ endpoint: settings.endpoint, region, credentials })
let next = 0
const caller = async () => {
  while (next < settings.messages) {
    const from = next
    next = Math.min(settings.messages, next + 10)
    const Entries = Array.from({ length: next - from }, (_, i) => ({
      Id: String(i),
      MessageBody: messageBody(from + i)
    }))
    const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: settings.queueUrl, Entries }))
    sent += result.Successful?.length ?? 0
  }
}
Promise.all(Array.from({ length: settings.instances }, caller)).then(keepAlive)
