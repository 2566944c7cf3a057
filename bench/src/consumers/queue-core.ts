/** @bgcheck/queue-core's consumer: maxInFlight = CONCURRENCY, on its default (lean) transport or SQS_TRANSPORT. */
import { Consumer, Queues, SqsClient } from "@bgcheck/queue-core"
import { Effect, Layer, Logger } from "effect"
import { consumerLedger, settings } from "../contender.ts"

const ledger = consumerLedger()

Effect.runFork(
  Consumer.run(
    settings.queueUrl,
    (message) =>
      Effect.suspend(() => {
        const work = ledger.begin(message.body)
        return work.ms > 0
          ? Effect.sleep(work.ms).pipe(Effect.andThen(Effect.sync(work.done)))
          : Effect.sync(work.done)
      }),
    { maxInFlight: settings.concurrency }
  ).pipe(
    Effect.provide(Queues.layer.pipe(Layer.provideMerge(SqsClient.layer({ endpoint: settings.endpoint })))),
    Effect.provide(Logger.layer([]))
  )
)
