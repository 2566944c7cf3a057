/**
 * Not a library: the server's ceiling. INSTANCES loops of plain HTTP (Node's keep-alive agent), each
 * receiving 10 and deleting them in one batch, with a fixed Authorization header (the local SQS
 * checks a signature's shape, not its value). No SDK, no signing, no checks: nothing a client could
 * do costs less.
 */
import { Agent, request } from "node:http"
import { consumerLedger, settings } from "../contender.ts"

const ledger = consumerLedger()
const agent = new Agent({ keepAlive: true, maxSockets: settings.instances })
const url = new URL(settings.endpoint)
const AUTHORIZATION =
  "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000"

const call = (action: string, payload: object) =>
  new Promise<any>((resolve, reject) => {
    const body = JSON.stringify(payload)
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/",
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": `AmazonSQS.${action}`,
          "x-amz-date": "20260101T000000Z",
          authorization: AUTHORIZATION,
          "content-length": Buffer.byteLength(body)
        }
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString()
          if (response.statusCode === 200) resolve(JSON.parse(text))
          else reject(new Error(`${action}: ${response.statusCode} ${text}`))
        })
      }
    )
    req.on("error", reject)
    req.end(body)
  })

const loop = async () => {
  for (;;) {
    const { Messages = [] } = await call("ReceiveMessage", {
      QueueUrl: settings.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20
    })
    if (Messages.length === 0) continue
    for (const message of Messages) ledger.begin(message.Body).done()
    await call("DeleteMessageBatch", {
      QueueUrl: settings.queueUrl,
      Entries: Messages.map((message: any, i: number) => ({
        Id: String(i),
        ReceiptHandle: message.ReceiptHandle
      }))
    })
  }
}

for (let i = 0; i < settings.instances; i++) {
  loop().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
