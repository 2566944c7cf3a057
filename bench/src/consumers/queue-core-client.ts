/**
 * Not the consumer: loops over @bgcheck/queue-core's `SqsClient` alone (INSTANCES loops, each
 * receiving 10 and deleting them in one batch), to tell the request path's cost from the engine's.
 */
import { SqsClient } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { consumerLedger, settings } from "../contender.ts"

const ledger = consumerLedger()

const loop = Effect.gen(function* () {
  const sqs = yield* SqsClient.SqsClient
  for (;;) {
    const { Messages = [] } = yield* sqs.receiveMessage({
      QueueUrl: settings.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20
    })
    if (Messages.length === 0) continue
    for (const message of Messages) ledger.begin(message.Body).done()
    yield* sqs.deleteMessageBatch({
      QueueUrl: settings.queueUrl,
      Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! }))
    })
  }
})

Effect.runFork(
  Effect.forEach(Array.from({ length: settings.instances }), () => loop, { concurrency: "unbounded" }).pipe(
    Effect.provide(SqsClient.layer({ endpoint: settings.endpoint })),
    Effect.orDie
  )
)
