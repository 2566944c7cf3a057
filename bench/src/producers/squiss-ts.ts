/** squiss-ts: `sendMessages` with an array of MESSAGES (batches of 10, sent at once). */
import { Squiss } from "squiss-ts"
import { credentials, keepAlive, messageBody, region, reportSent, settings } from "../contender.ts"

let sent = 0
reportSent(() => sent)
const squiss = new Squiss({
  awsConfig: { endpoint: settings.endpoint, region, credentials },
  queueUrl: settings.queueUrl,
  bodyFormat: "plain"
})
squiss.sendMessages(Array.from({ length: settings.messages }, (_, i) => messageBody(i))).then((result) => {
  sent = result.Successful?.length ?? 0
  keepAlive()
})
