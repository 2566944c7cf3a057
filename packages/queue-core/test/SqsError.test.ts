import { assert, describe, it } from "@effect/vitest"
import { SqsError } from "../src/index.ts"

const target = { location: "http://127.0.0.1:4566", queue: "BackgroundCheckApp" }

const sdkError = (name: string, fault: "client" | "server", status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: { httpStatusCode: status } })

describe("SqsError.classify", () => {
  it("names the queue and where it looked when the queue does not exist", () => {
    const reason = SqsError.classify(sdkError("QueueDoesNotExist", "client", 400), target)
    assert.strictEqual(reason._tag, "QueueNotFound")
    assert.strictEqual(reason.message, 'queue "BackgroundCheckApp" does not exist at http://127.0.0.1:4566')
    assert.isFalse(reason.isRetryable)
  })

  it("finds a refused connection behind the SDK's wrapping and marks it retryable", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })
    const reason = SqsError.classify(new AggregateError([refused], "failed"), target)
    assert.strictEqual(reason._tag, "EndpointUnreachable")
    assert.include(reason.message, "connection refused")
    assert.isTrue(reason.isRetryable)
  })

  it("retries throttling and server faults but not sender faults or access errors", () => {
    const cases: Array<[Error, string, boolean]> = [
      [sdkError("RequestThrottled", "client", 403), "Throttled", true],
      [sdkError("InternalError", "server", 500), "ServiceUnavailable", true],
      [sdkError("InvalidMessageContents", "client", 400), "InvalidRequest", false],
      [sdkError("AccessDenied", "client", 403), "AccessDenied", false]
    ]
    for (const [error, tag, retryable] of cases) {
      const reason = SqsError.classify(error, target)
      assert.strictEqual(reason._tag, tag, error.name)
      assert.strictEqual(reason.isRetryable, retryable, error.name)
    }
  })
})
