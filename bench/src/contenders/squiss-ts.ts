/** squiss-ts: maxInFlight = CONCURRENCY, receives of 10, deletes batched by 10. */
import { Squiss } from "squiss-ts"
import { counter, credentials, settings, sleep } from "./report.ts"

const squiss = new Squiss({
  awsConfig: { endpoint: settings.endpoint, region: "us-east-1", credentials },
  queueUrl: settings.queueUrl,
  bodyFormat: "plain",
  maxInFlight: settings.concurrency,
  receiveBatchSize: 10,
  deleteBatchSize: 10
})
const handled = counter(() => squiss.stop().then(() => undefined))
squiss.on("message", (message) => {
  sleep(settings.handlerMs).then(() => {
    message.del()
    handled(message.body as string)
  })
})
squiss.on("error", (error) => console.error(error.message))
squiss.start()
