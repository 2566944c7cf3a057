/** sqs-producer: `send` with an array, which it splits into batches of 10. */
import { SQSClient } from "@aws-sdk/client-sqs"
import { Producer } from "sqs-producer"
import { body, credentials, report, settings } from "./report.ts"

const producer = Producer.create({
  queueUrl: settings.queueUrl,
  sqs: new SQSClient({ endpoint: settings.endpoint, region: "us-east-1", credentials }),
  batchSize: 10
})
const startedAt = performance.now()
const messages = Array.from({ length: settings.messages }, (_, i) => ({ id: `m${i + 1}`, body: body(i + 1) }))
const results = await producer.send(messages)
report(results.length, startedAt)
