import { assert, describe, it } from "@effect/vitest"
import { LargePayloads } from "../src/index.ts"
import { JAVA_KEY, javaMessage, javaV1Message, pythonMessage } from "./fixtures/extendedClients.ts"

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

describe("LargePayloads.refusal: which pointers a consumer follows", () => {
  const policy: LargePayloads.ReadPolicy = { buckets: ["bgcheck-payloads"], maxBytes: 1000 }
  const ours = { bucket: "bgcheck-payloads", key: JAVA_KEY }

  it("follows a pointer into a configured bucket, within the declared size and the limit", () => {
    assert.isUndefined(LargePayloads.refusal(ours, 1000, policy))
    assert.isUndefined(LargePayloads.refusal({ ...ours, key: "any/key-at.all" }, 1, policy))
  })

  it("refuses any other bucket, naming it and the buckets it reads", () => {
    assert.strictEqual(
      LargePayloads.refusal({ bucket: "victim", key: "secret.txt" }, 10, policy),
      "its body is said to be at s3://victim/secret.txt, and victim is not a payload bucket of this consumer (bgcheck-payloads)"
    )
    assert.strictEqual(
      LargePayloads.refusal(ours, 10, { ...policy, buckets: [] }),
      `its body is said to be at s3://bgcheck-payloads/${JAVA_KEY}, and this consumer reads no payload bucket`
    )
  })

  it("refuses a bucket name S3 could not have, before asking S3", () => {
    for (const bucket of ["Victim", "a", "-x-", "x..y", "has space", "x".repeat(64)])
      assert.include(LargePayloads.refusal({ bucket, key: "k" }, 10, policy), "not an S3 bucket name", bucket)
  })

  it("with a key prefix, refuses a key its producer could not have written", () => {
    const prefixed = { ...policy, keyPrefix: "payloads/" }
    assert.isUndefined(LargePayloads.refusal({ ...ours, key: `payloads/${JAVA_KEY}` }, 10, prefixed))
    for (const key of ["secret.txt", `other/${JAVA_KEY}`, "payloads/../secret.txt", `payloads/${JAVA_KEY}x`])
      assert.include(
        LargePayloads.refusal({ ...ours, key }, 10, prefixed),
        "a key its producer could not have written (keys are payloads/<uuid>)",
        key
      )
  })

  it("refuses a size that is not declared or over the limit, and a key S3 could not hold", () => {
    assert.include(LargePayloads.refusal(ours, undefined, policy), "declares no size")
    assert.include(
      LargePayloads.refusal(ours, 1001, policy),
      "is 1001 bytes, over this consumer's limit of 1000 bytes"
    )
    assert.include(LargePayloads.refusal({ ...ours, key: "a\nb" }, 1, policy), "not one S3 could hold")
    assert.include(
      LargePayloads.refusal({ ...ours, key: "k".repeat(1025) }, 1, policy),
      "not one S3 could hold"
    )
  })

  it("reads the declared size from either attribute, as a whole number of bytes only", () => {
    assert.strictEqual(LargePayloads.declaredSize(pythonMessage("b", 300).attributes), 300)
    assert.strictEqual(LargePayloads.declaredSize(javaMessage("b", 7).attributes), 7)
    for (const value of ["", "-1", "1.5", "1e9", "ten", "9".repeat(16)])
      assert.isUndefined(
        LargePayloads.declaredSize({ ExtendedPayloadSize: { DataType: "Number", StringValue: value } }),
        value
      )
  })

  it("keeps a sender's long or multi-line values to one short line when it names them", () => {
    const reason = LargePayloads.refusal(
      { bucket: "victim", key: `${"k".repeat(5000)}\n[forged] line` },
      1,
      policy
    )!
    assert.notInclude(reason, "\n")
    assert.isBelow(reason.length, 400)
    assert.include(reason, "(5014 characters)")
  })
})
