/** sqs-producer: `send` with an array of MESSAGES, which it splits into batches of 10 sent one after another. */
import { SQSClient } from "@aws-sdk/client-sqs"
import { Producer } from "sqs-producer"
import { credentials, keepAlive, messageBody, region, reportSent, settings } from "../contender.ts"

let sent = 0
reportSent(() => sent)
const producer = Producer.create({
  queueUrl: settings.queueUrl,
  sqs: new SQSClient({ endpoint: settings.endpoint, region, credentials }),
  batchSize: 10
})
const messages = Array.from({ length: settings.messages }, (_, i) => ({ id: `m${i}`, body: messageBody(i) }))
producer.send(messages).then((results) => {
  sent = results.length
  keepAlive()
})
