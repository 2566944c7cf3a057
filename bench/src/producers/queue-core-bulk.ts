/** @bgcheck/queue-core's `Producer.sendAll`: a stream of MESSAGES, CONCURRENCY messages in flight. */
import { Producer, QueueServices } from "@bgcheck/queue-core"
import { Effect, Stream } from "effect"
import { keepAlive, messageBody, reportSent, settings } from "../contender.ts"

let sent = 0
reportSent(() => sent)
Effect.runPromise(
  Effect.flatMap(Producer.Producer, (producer) =>
    producer.sendAll(settings.queueUrl, Stream.range(0, settings.messages - 1), {
      toMessage: messageBody,
      concurrency: settings.concurrency
    })
  ).pipe(Effect.provide(QueueServices.layer({ endpoint: settings.endpoint })))
).then((summary) => {
  sent = summary.sent
  keepAlive()
})
