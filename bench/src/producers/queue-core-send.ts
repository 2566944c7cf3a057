/** @bgcheck/queue-core's Producer.send called for each message, 100 at a time: batched automatically. */
import { Producer, QueueServices } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { body, report, settings } from "./report.ts"

const startedAt = performance.now()
const sent = await Effect.runPromise(
  Effect.flatMap(Producer.Producer, (producer) =>
    Effect.forEach(
      Array.from({ length: settings.messages }, (_, i) => i + 1),
      (i) => producer.send(settings.queueUrl, body(i)),
      { concurrency: 100, discard: true }
    )
  ).pipe(Effect.as(settings.messages), Effect.provide(QueueServices.layer({ endpoint: settings.endpoint })))
)
report(sent, startedAt)
