/** @bgcheck/queue-core's Producer.send called for each message, 100 at a time: batched automatically. */
import { Producer, Queues, SqsClient } from "@bgcheck/queue-core"
import { Effect, Layer } from "effect"
import { body, report, settings } from "./report.ts"

const startedAt = performance.now()
const sent = await Effect.runPromise(
  Effect.flatMap(Producer.Producer, (producer) =>
    Effect.forEach(
      Array.from({ length: settings.messages }, (_, i) => i + 1),
      (i) => producer.send(settings.queueUrl, body(i)),
      { concurrency: 100, discard: true }
    )
  ).pipe(
    Effect.as(settings.messages),
    Effect.provide(
      Producer.layer.pipe(
        Layer.provideMerge(Queues.layer),
        Layer.provideMerge(SqsClient.layer({ endpoint: settings.endpoint }))
      )
    )
  )
)
report(sent, startedAt)
