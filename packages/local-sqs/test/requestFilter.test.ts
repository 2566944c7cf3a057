import { request as httpRequest } from "node:http"
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient
} from "@aws-sdk/client-sqs"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { BACKGROUND_CHECK_QUEUES, type LocalSqsServer, start } from "../src/index.ts"

/** What a browser cannot send cross-site, shaped as the AWS SDK sends it (not verified, as intended). */
const SIGNED =
  "AWS4-HMAC-SHA256 Credential=local/20261129/us-east-1/sqs/aws4_request, " +
  "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" +
  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

const QUEUE = "BackgroundCheckApp"
const QUEUE_ARN = `arn:aws:sqs:us-east-1:000000000000:${QUEUE}`

describe("a local SQS refuses what a web page could send it", () => {
  let server: LocalSqsServer
  let queueUrl: string
  beforeAll(async () => {
    server = await start({ queues: BACKGROUND_CHECK_QUEUES })
    queueUrl = server.createQueue({ name: QUEUE }).url
  })
  afterAll(() => server.stop())
  beforeEach(() => server.reset())

  /** A form POST, as an HTML form on any site can send to 127.0.0.1. */
  const postForm = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(server.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString()
    })

  /** SendMessage as the SDK's JSON protocol puts it, with the headers given. */
  const sendMessageJson = (headers: Record<string, string>) =>
    fetch(server.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "AmazonSQS.SendMessage",
        ...headers
      },
      body: JSON.stringify({ QueueUrl: queueUrl, MessageBody: "from a web page" })
    })

  it("refuses the SNS form API: a topic that fans out to the queue cannot be made, nothing lands", async () => {
    const topicArn = "arn:aws:sns:us-east-1:000000000000:evil"
    const responses = [
      await postForm({ Action: "CreateTopic", Name: "evil" }),
      await postForm({ Action: "Subscribe", TopicArn: topicArn, Protocol: "sqs", Endpoint: QUEUE_ARN }),
      await postForm({ Action: "Publish", TopicArn: topicArn, Message: "from a web page" })
    ]
    for (const response of responses) {
      expect([403, 404]).toContain(response.status)
      // The query protocol's XML error, which an SNS SDK client raises by its code.
      expect(await response.text()).toMatch(/^<ErrorResponse><Error><Type>Sender<\/Type><Code>\w+<\/Code>/)
    }
    expect(server.inspect(QUEUE)).toEqual({ ready: 0, delayed: 0, inFlight: 0 })
  })

  it("serves SNS only to a signed request (an SDK client, not a web page)", async () => {
    const response = await postForm({ Action: "CreateTopic", Name: "signed" }, { authorization: SIGNED })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain("<TopicArn>arn:aws:sns:us-east-1:000000000000:signed</TopicArn>")
  })

  it("refuses an unsigned S3 read (an <img> or a fetch from a web page), in S3's own error shape", async () => {
    server.createBucket("secrets")
    const response = await fetch(`${server.endpoint}/secrets/key`)
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/^<Error><Code>MissingAuthenticationToken<\/Code>/)
    const withOrigin = await fetch(`${server.endpoint}/secrets/key`, {
      headers: { origin: "https://evil.example", authorization: SIGNED }
    })
    expect(withOrigin.status).toBe(403)
    await withOrigin.body?.cancel()
  })

  it("refuses a form-encoded SendMessage (the old query protocol)", async () => {
    const response = await postForm({
      Action: "SendMessage",
      QueueUrl: queueUrl,
      MessageBody: "from a web page"
    })
    expect([403, 404]).toContain(response.status)
    expect(server.inspect(QUEUE)?.ready).toBe(0)
  })

  it("refuses a request with an Origin header even when signed, before counting it", async () => {
    server.resetRequestCounts()
    const response = await sendMessageJson({ origin: "https://evil.example", authorization: SIGNED })
    expect(response.status).toBe(403)
    expect(response.headers.get("access-control-allow-origin")).toBeNull()
    expect(await response.json()).toEqual({
      __type: "com.amazonaws.sqs#AccessDenied",
      message: expect.stringContaining("Origin")
    })
    expect(server.inspect(QUEUE)?.ready).toBe(0)
    expect(server.requestCounts()).toEqual({})
  })

  it("refuses a CORS preflight, without CORS headers", async () => {
    const response = await fetch(server.endpoint, {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-amz-target,authorization"
      }
    })
    expect(response.status).toBe(403)
    const corsHeaders = [...response.headers.keys()].filter((name) => name.startsWith("access-control-"))
    expect(corsHeaders).toEqual([])
  })

  it("refuses an SQS request that is not signed", async () => {
    const response = await sendMessageJson({})
    expect(response.status).toBe(403)
    expect(response.headers.get("x-amzn-query-error")).toBe("MissingAuthenticationToken;Sender")
    expect(server.inspect(QUEUE)?.ready).toBe(0)
  })

  it("refuses a signed SQS request under a host name that is not loopback (DNS rebinding)", async () => {
    // fetch sets Host from the URL; node:http lets the test send what a rebound page would.
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          host: "127.0.0.1",
          port: server.port,
          method: "POST",
          headers: {
            host: `evil.example:${server.port}`,
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": "AmazonSQS.SendMessage",
            authorization: SIGNED
          }
        },
        (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        }
      )
      request.once("error", reject)
      request.end(JSON.stringify({ QueueUrl: queueUrl, MessageBody: "rebound" }))
    })
    expect(status).toBe(403)
    expect(server.inspect(QUEUE)?.ready).toBe(0)
  })

  it("does not serve fauxqs's inspection pages, which show message bodies", async () => {
    for (const path of ["/health", "/_fauxqs/queues", `/_fauxqs/queues/${QUEUE}`]) {
      const response = await fetch(`${server.endpoint}${path}`)
      expect(response.status, path).toBe(404)
      await response.body?.cancel()
    }
  })

  it("serves an SDK client, and the SDK raises a refusal as an error with its code", async () => {
    const client = new SQSClient({
      endpoint: server.endpoint,
      region: server.region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" }
    })
    try {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "from the SDK" }))
      const { Messages } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 })
      )
      expect(Messages?.map((message) => message.Body)).toEqual(["from the SDK"])
      await client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: Messages![0]!.ReceiptHandle })
      )

      client.middlewareStack.add(
        (next) => (args: any) => {
          args.request.headers.origin = "https://evil.example"
          return next(args)
        },
        { step: "build", name: "addOrigin" }
      )
      const error = await client
        .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" }))
        .catch((e: unknown) => e)
      expect(error).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } })
    } finally {
      client.destroy()
    }
  })
})
