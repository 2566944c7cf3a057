/**
 * sqs-consumer: one poll of up to 10 messages at a time, and the next poll waits for the whole
 * batch. INSTANCES consumers run side by side to reach CONCURRENCY messages at once.
 */
import { SQSClient } from "@aws-sdk/client-sqs"
import { Consumer } from "sqs-consumer"
import { counter, credentials, settings, sleep } from "./report.ts"

const instances = Math.max(1, Math.round(settings.concurrency / 10))
const consumers: Array<Consumer> = []
const handled = counter(() => {
  for (const consumer of consumers) consumer.stop()
})
const sqs = new SQSClient({ endpoint: settings.endpoint, region: "us-east-1", credentials })

for (let i = 0; i < instances; i++) {
  const consumer = Consumer.create({
    queueUrl: settings.queueUrl,
    sqs,
    batchSize: 10,
    handleMessage: async (message) => {
      await sleep(settings.handlerMs)
      handled(message.Body)
      return message
    }
  })
  consumer.on("error", (error) => console.error(error.message))
  consumer.start()
  consumers.push(consumer)
}
