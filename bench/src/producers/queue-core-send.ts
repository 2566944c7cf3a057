/** @bgcheck/queue-core's `Producer.send` called once a message, CONCURRENCY callers at once: batched automatically. */
import { Producer, QueueServices } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { keepAlive, messageBody, reportSent, settings } from "../contender.ts"

let sent = 0
reportSent(() => sent)
Effect.runPromise(
  Effect.flatMap(Producer.Producer, (producer) =>
    Effect.forEach(
      Array.from({ length: settings.messages }, (_, i) => i),
      (i) =>
        producer.send(settings.queueUrl, messageBody(i)).pipe(Effect.tap(() => Effect.sync(() => sent++))),
      { concurrency: settings.concurrency, discard: true }
    )
  ).pipe(Effect.provide(QueueServices.layer({ endpoint: settings.endpoint })))
).then(keepAlive)
