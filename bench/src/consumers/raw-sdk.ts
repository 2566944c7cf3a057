/**
 * The AWS SDK with no library: INSTANCES loops, each receiving up to 10, handling them at once and
 * deleting them in one batch before its next receive. What a careful hand-written consumer does.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { consumerLedger, credentials, region, settings, sleep } from "../contender.ts"

const ledger = consumerLedger()
const sqs = new SQSClient({ endpoint: settings.endpoint, region, credentials })
const handle = async (body: string | undefined) => {
  const work = ledger.begin(body)
  if (work.ms > 0) await sleep(work.ms)
  work.done()
}

const loop = async () => {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: settings.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 })
    )
    if (Messages.length === 0) continue
    await Promise.all(Messages.map((message) => handle(message.Body)))
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: settings.queueUrl,
        Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle }))
      })
    )
  }
}

for (let i = 0; i < settings.instances; i++) {
  loop().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
