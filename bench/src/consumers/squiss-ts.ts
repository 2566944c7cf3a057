/** squiss-ts: maxInFlight = CONCURRENCY, receives of 10, deletes batched by 10. */
import { Squiss } from "squiss-ts"
import { consumerLedger, credentials, region, settings, sleep } from "../contender.ts"

const ledger = consumerLedger()
const squiss = new Squiss({
  awsConfig: { endpoint: settings.endpoint, region, credentials },
  queueUrl: settings.queueUrl,
  bodyFormat: "plain",
  maxInFlight: settings.concurrency,
  receiveBatchSize: 10,
  deleteBatchSize: 10
})
squiss.on("message", async (message) => {
  const work = ledger.begin(message.body as string)
  if (work.ms > 0) await sleep(work.ms)
  work.done()
  message.del()
})
squiss.on("error", (error) => console.error(error.message))
squiss.start()
