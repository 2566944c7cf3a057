/**
 * sqs-consumer: INSTANCES consumers side by side (one receive of up to 10 at a time each; the next
 * receive waits for the whole batch), with `handleMessage` (MODE=message: one call a message, one
 * delete a message) or `handleMessageBatch` (MODE=batch: one call a batch, one batch delete).
 */
import { SQSClient } from "@aws-sdk/client-sqs"
import { Consumer } from "sqs-consumer"
import { consumerLedger, credentials, region, settings, sleep } from "../contender.ts"

const ledger = consumerLedger()
const handle = async (body: string | undefined) => {
  const work = ledger.begin(body)
  if (work.ms > 0) await sleep(work.ms)
  work.done()
}
const sqs = new SQSClient({ endpoint: settings.endpoint, region, credentials })

for (let i = 0; i < settings.instances; i++) {
  const consumer = Consumer.create({
    queueUrl: settings.queueUrl,
    sqs,
    batchSize: 10,
    ...(settings.mode === "batch"
      ? {
          handleMessageBatch: async (messages) => {
            await Promise.all(messages.map((message) => handle(message.Body)))
            return messages
          }
        }
      : {
          handleMessage: async (message) => {
            await handle(message.Body)
            return message
          }
        })
  })
  consumer.on("error", (error) => console.error(error.message))
  consumer.start()
}
