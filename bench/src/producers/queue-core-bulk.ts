/** @bgcheck/queue-core's Producer.sendAll: a stream, 40 messages in flight (4 batch requests). */
import { Producer, QueueServices } from "@bgcheck/queue-core"
import { Effect, Stream } from "effect"
import { body, report, settings } from "./report.ts"

const startedAt = performance.now()
const summary = await Effect.runPromise(
  Effect.flatMap(Producer.Producer, (producer) =>
    producer.sendAll(settings.queueUrl, Stream.range(1, settings.messages), {
      toMessage: body,
      concurrency: 40
    })
  ).pipe(Effect.provide(QueueServices.layer({ endpoint: settings.endpoint })))
)
report(summary.sent, startedAt)
