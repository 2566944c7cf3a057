/**
 * @bgcheck/queue-core's `Producer.sendAll`: a stream of MESSAGES, CONCURRENCY messages in flight,
 * the producer allowed as many SendMessageBatch requests in flight as that takes (16 at least,
 * its default).
 */
import { Producer, Queues, SqsClient } from "@bgcheck/queue-core"
import { Effect, Layer, Stream } from "effect"
import { keepAlive, messageBody, reportSent, settings } from "../contender.ts"

let sent = 0
reportSent(() => sent)
const services = Producer.layerWith({ concurrency: Math.max(16, Math.ceil(settings.concurrency / 10)) }).pipe(
  Layer.provideMerge(Queues.layer),
  Layer.provideMerge(SqsClient.layer({ endpoint: settings.endpoint }))
)
Effect.runPromise(
  Effect.flatMap(Producer.Producer, (producer) =>
    producer.sendAll(settings.queueUrl, Stream.range(0, settings.messages - 1), {
      toMessage: messageBody,
      concurrency: settings.concurrency
    })
  ).pipe(Effect.provide(services))
).then((summary) => {
  sent = summary.sent
  keepAlive()
})
