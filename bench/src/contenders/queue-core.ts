/** @bgcheck/queue-core's consumer: maxInFlight = CONCURRENCY. */
import { Consumer, Queues, SqsClient } from "@bgcheck/queue-core"
import { Effect, Layer, Logger } from "effect"
import { counter, settings } from "./report.ts"

const handled = counter(() => undefined)

Effect.runFork(
  Consumer.run(
    settings.queueUrl,
    (message) =>
      Effect.sleep(`${settings.handlerMs} millis`).pipe(
        Effect.tap(() => Effect.sync(() => handled(message.body)))
      ),
    {
      maxInFlight: settings.concurrency
    }
  ).pipe(
    Effect.provide(Queues.layer.pipe(Layer.provideMerge(SqsClient.layer({ endpoint: settings.endpoint })))),
    Effect.provide(Logger.layer([]))
  )
)
