import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { LargePayloads, SnsEnvelope } from "../src/index.ts"
import {
  JAVA_KEY,
  javaMessage,
  javaV1Message,
  pythonMessage,
  snsNotification
} from "./fixtures/extendedClients.ts"

describe("LargePayloads: the extended clients' pointer format", () => {
  it("writes the pointer exactly as Java's extended client does", () => {
    assert.strictEqual(
      LargePayloads.encodePointer({ bucket: "bgcheck-payloads", key: JAVA_KEY }),
      javaMessage("bgcheck-payloads", 1).body
    )
  })

  it("reads the pointers of Java (2.x and 1.x) and Python, and nothing else", () => {
    for (const { body } of [javaMessage("b-1", 1), pythonMessage("b-1", 1), javaV1Message("b-1", 1)]) {
      const pointer = LargePayloads.decodePointer(body)
      assert.strictEqual(pointer?.bucket, "b-1", body)
      assert.match(pointer?.key ?? "", /^[0-9a-f-]{36}$/)
    }
    for (const body of [
      "Hello World",
      "[]",
      '["software.amazon.payloadoffloading.PayloadS3Pointer"]',
      '["some.other.Class",{"s3BucketName":"b","s3Key":"k"}]',
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"","s3Key":"k"}]',
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3Key":"k"}]'
    ]) {
      assert.isUndefined(LargePayloads.decodePointer(body), body)
    }
  })

  it("is marked by either attribute name, as the extended clients decide", () => {
    assert.isTrue(LargePayloads.isMarked(javaMessage("b", 1).attributes))
    assert.isTrue(LargePayloads.isMarked(pythonMessage("b", 1).attributes))
    assert.isFalse(LargePayloads.isMarked({ other: 1 }))
  })

  it("checks the producer's options with a message naming the option", () => {
    assert.include(LargePayloads.check({ bucket: "Bad_Bucket" })?.message, "the payload bucket must be")
    assert.include(LargePayloads.check({ bucket: "ok-bucket", threshold: -1 })?.message, "threshold")
    assert.include(LargePayloads.check({ bucket: "ok-bucket", keyPrefix: "../x" })?.message, "key prefix")
    assert.isUndefined(LargePayloads.check({ bucket: "ok-bucket", keyPrefix: "payloads/", threshold: 0 }))
  })
})

describe("SnsEnvelope.unwrap", () => {
  it("gives the published message, its attributes in SQS's shape, and the notification", () => {
    const unwrapped = SnsEnvelope.unwrap(snsNotification('{"status":"started"}'))
    assert.isTrue(Result.isSuccess(unwrapped))
    const { body, messageAttributes, notification } = Result.getOrThrow(unwrapped)
    assert.strictEqual(body, '{"status":"started"}')
    assert.deepStrictEqual(messageAttributes.stage, { DataType: "String", StringValue: "started" })
    assert.deepStrictEqual(messageAttributes.blob, {
      DataType: "Binary",
      BinaryValue: Uint8Array.from([0, 1, 2, 255])
    })
    assert.deepStrictEqual(notification, {
      messageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
      topicArn: "arn:aws:sns:us-west-2:123456789012:MyTopic",
      subject: "My First Message",
      timestamp: "2012-05-02T00:54:06.655Z",
      sequenceNumber: undefined
    })
  })

  it("refuses what is not a notification, in one line", () => {
    for (const body of [
      "Hello World",
      "{}",
      JSON.stringify({ ...JSON.parse(snsNotification("x")), Type: "SubscriptionConfirmation" }),
      JSON.stringify({ ...JSON.parse(snsNotification("x")), Message: 42 })
    ]) {
      const result = SnsEnvelope.unwrap(body)
      assert.isTrue(Result.isFailure(result), body)
      if (Result.isFailure(result)) {
        assert.match(result.failure, /^the body is not an SNS notification: /)
        assert.notInclude(result.failure, "\n")
      }
    }
  })
})
