/**
 * @bgcheck/queue-core's `Producer.sendAll`: a stream of MESSAGES, CONCURRENCY messages in flight
 * (CONCURRENCY / 10 SendMessageBatch requests, the unit `sendAll` counts), the producer allowed as
 * many requests in flight as that takes (16 at least, its default).
 */
import { Producer, Queues, SqsClient } from "@bgcheck/queue-core"
import { Effect, Layer, Stream } from "effect"
import { keepAlive, messageBody, reportSent, settings } from "../contender.ts"

let sent = 0
reportSent(() => sent)
const requests = Math.ceil(settings.concurrency / Producer.MAX_BATCH_ENTRIES)
const services = Producer.layerWith({ concurrency: Math.max(16, requests) }).pipe(
  Layer.provideMerge(Queues.layer),
  Layer.provideMerge(SqsClient.layer({ endpoint: settings.endpoint }))
)
Effect.runPromise(
  Effect.flatMap(Producer.Producer, (producer) =>
    producer.sendAll(settings.queueUrl, Stream.range(0, settings.messages - 1), {
      toMessage: messageBody,
      concurrency: requests
    })
  ).pipe(Effect.provide(services))
).then((summary) => {
  sent = summary.sent
  keepAlive()
})
