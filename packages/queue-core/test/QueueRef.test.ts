import { assert, describe, it } from "@effect/vitest"
import { QueueRef } from "../src/index.ts"

describe("QueueRef.parse", () => {
  it("reads a bare queue name", () => {
    assert.deepStrictEqual(QueueRef.parse("BackgroundCheckApp"), { _tag: "Name", name: "BackgroundCheckApp" })
  })

  it("reads a queue URL, keeping its account id", () => {
    assert.deepStrictEqual(
      QueueRef.parse("https://sqs.us-west-2.amazonaws.com/123456789012/BackgroundCheckApp"),
      {
        _tag: "Url",
        name: "BackgroundCheckApp",
        url: "https://sqs.us-west-2.amazonaws.com/123456789012/BackgroundCheckApp",
        accountId: "123456789012"
      }
    )
  })

  it("reads a queue ARN with its region and account", () => {
    assert.deepStrictEqual(QueueRef.parse("arn:aws:sqs:us-west-2:123456789012:jobs.fifo"), {
      _tag: "Arn",
      name: "jobs.fifo",
      region: "us-west-2",
      accountId: "123456789012"
    })
  })

  it("rejects names SQS would not accept, with a message naming the input", () => {
    const result = QueueRef.parse("bad name!")
    assert.strictEqual(result._tag, "InvalidQueueRef")
    assert.include((result as QueueRef.InvalidQueueRef).message, '"bad name!"')
    assert.strictEqual(QueueRef.parse("x".repeat(81))._tag, "InvalidQueueRef")
  })
})
