import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client
} from "@aws-sdk/client-s3"
import {
  CreateTopicCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand
} from "@aws-sdk/client-sns"
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import {
  BACKGROUND_CHECK_BUCKETS,
  BACKGROUND_CHECK_QUEUES,
  type LocalSqsServer,
  PAYLOAD_BUCKET,
  start
} from "../src/index.ts"

const credentials = { accessKeyId: "local", secretAccessKey: "local" }

describe("the local SQS also serves S3 and SNS on its endpoint", () => {
  let server: LocalSqsServer
  let s3: S3Client
  let sns: SNSClient
  let sqs: SQSClient
  beforeAll(async () => {
    server = await start({ queues: BACKGROUND_CHECK_QUEUES, buckets: BACKGROUND_CHECK_BUCKETS })
    const config = { endpoint: server.endpoint, region: server.region, credentials }
    // One attempt: the fault test must see the injected error, not the SDK's retry.
    s3 = new S3Client({ ...config, forcePathStyle: true, maxAttempts: 1 })
    sns = new SNSClient(config)
    sqs = new SQSClient(config)
  })
  afterAll(async () => {
    s3.destroy()
    sns.destroy()
    sqs.destroy()
    await server.stop()
  })
  beforeEach(() => {
    server.reset()
    server.clearFaults()
    server.resetRequestCounts()
  })

  it("creates the lab's payload bucket at start; objects go in and out through the S3 SDK", async () => {
    expect(server.objectKeys(PAYLOAD_BUCKET)).toEqual([])
    expect(server.objectKeys("no-such-bucket")).toBeUndefined()
    const body = "x".repeat(3 * 1024 * 1024)
    await s3.send(new PutObjectCommand({ Bucket: PAYLOAD_BUCKET, Key: "a/1", Body: body }))
    expect(server.objectKeys(PAYLOAD_BUCKET)).toEqual(["a/1"])
    const got = await s3.send(new GetObjectCommand({ Bucket: PAYLOAD_BUCKET, Key: "a/1" }))
    expect(await got.Body?.transformToString()).toBe(body)
    await s3.send(new DeleteObjectCommand({ Bucket: PAYLOAD_BUCKET, Key: "a/1" }))
    expect(server.objectKeys(PAYLOAD_BUCKET)).toEqual([])
    const missing = await s3
      .send(new GetObjectCommand({ Bucket: PAYLOAD_BUCKET, Key: "a/1" }))
      .catch((error: unknown) => error)
    expect(missing).toMatchObject({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } })
    expect(server.requestCounts()).toEqual({ "S3.PutObject": 1, "S3.GetObject": 2, "S3.DeleteObject": 1 })
  })

  it("reset empties the buckets and keeps them", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "other-bucket" }))
    await s3.send(new PutObjectCommand({ Bucket: "other-bucket", Key: "k", Body: "v" }))
    server.reset()
    expect(server.objectKeys("other-bucket")).toEqual([])
  })

  it("injects faults into one S3 action, in S3's error shape", async () => {
    await s3.send(new PutObjectCommand({ Bucket: PAYLOAD_BUCKET, Key: "k", Body: "v" }))
    server.injectFaults({ action: "S3.GetObject", requestFailureRate: 1, times: 1, code: "SlowDown" })
    const failed = await s3
      .send(new GetObjectCommand({ Bucket: PAYLOAD_BUCKET, Key: "k" }))
      .catch((error: unknown) => error)
    expect(failed).toMatchObject({ name: "SlowDown", $metadata: { httpStatusCode: 500 } })
    const got = await s3.send(new GetObjectCommand({ Bucket: PAYLOAD_BUCKET, Key: "k" }))
    expect(await got.Body?.transformToString()).toBe("v")
  })

  it("fans an SNS topic out to a queue: an envelope without raw delivery, the message itself with it", async () => {
    const queue = server.createQueue({ name: "sns-target" })
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "checks" }))
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: queue.arn })
    )
    await sns.send(
      new PublishCommand({
        TopicArn,
        Message: "wrapped",
        Subject: "status",
        MessageAttributes: { stage: { DataType: "String", StringValue: "started" } }
      })
    )
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: "RawMessageDelivery",
        AttributeValue: "true"
      })
    )
    await sns.send(new PublishCommand({ TopicArn, Message: "raw" }))
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })
    )
    const bodies = Messages.map((message) => message.Body ?? "")
    expect(bodies).toHaveLength(2)
    const envelope = JSON.parse(bodies.find((body) => body.startsWith("{"))!)
    expect(envelope).toMatchObject({
      Type: "Notification",
      TopicArn,
      Subject: "status",
      Message: "wrapped",
      MessageAttributes: { stage: { Type: "String", Value: "started" } }
    })
    expect(bodies).toContain("raw")
  })
})
