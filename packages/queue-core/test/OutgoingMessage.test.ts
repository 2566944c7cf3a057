import { assert, describe, it } from "@effect/vitest"
import { OutgoingMessage, type Queues } from "../src/index.ts"
import * as FakeSqs from "./fakeSqs.ts"

const standard = FakeSqs.queue
const fifo: Queues.Queue = { ...standard, name: "jobs.fifo", fifo: true }

const errorOf = (message: OutgoingMessage.OutgoingMessage, queue = standard) => {
  const result = OutgoingMessage.validate(message, queue)
  return result instanceof OutgoingMessage.InvalidMessage ? result.message : undefined
}

describe("OutgoingMessage.validate", () => {
  it("accepts every character SQS accepts, emoji included", () => {
    assert.isUndefined(errorOf({ body: "tab\tnewline\nÄ€😀\uE000\uFFFD" }))
  })

  it("rejects control characters, lone surrogates and U+FFFE with their position", () => {
    assert.include(errorOf({ body: "ab\u0001" }), "U+0001 at index 2")
    assert.include(errorOf({ body: "x\uD800y" }), "U+D800 at index 1")
    assert.include(errorOf({ body: "\uFFFE" }), "U+FFFE at index 0")
  })

  it("rejects an empty body", () => {
    assert.strictEqual(errorOf({ body: "" }), "the body is empty")
  })

  it("counts attribute names, types and values in the size", () => {
    const queue = { ...standard, maximumMessageSize: 20 }
    assert.isUndefined(errorOf({ body: "1234567890" }, queue))
    // 10 (body) + 1 (name) + 6 ("String") + 4 (value) = 21
    assert.include(errorOf({ body: "1234567890", attributes: { a: "abcd" } }, queue), "21 bytes")
  })

  it("allows at most 10 attributes with valid names and types", () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, "v"]))
    assert.strictEqual(
      errorOf({ body: "x", attributes: eleven }),
      "the message has 11 attributes, SQS allows at most 10"
    )
    assert.include(
      errorOf({ body: "x", attributes: { "AWS.trace": "v" } }),
      'attribute name "AWS.trace" is invalid'
    )
    assert.include(
      errorOf({ body: "x", attributes: { n: { dataType: "Number", value: "abc" } } }),
      "not a number"
    )
    assert.include(
      errorOf({ body: "x", attributes: { n: { dataType: "Date", value: "1" } } }),
      'data type "Date"'
    )
  })

  it("requires a group id and a deduplication id on FIFO queues without content-based deduplication", () => {
    assert.strictEqual(
      errorOf({ body: "x" }, fifo),
      "queue jobs.fifo is FIFO: every message needs a group id"
    )
    assert.include(errorOf({ body: "x", groupId: "g" }, fifo), "every message needs a deduplication id")
    assert.isUndefined(errorOf({ body: "x", groupId: "g" }, { ...fifo, contentBasedDeduplication: true }))
    assert.isUndefined(errorOf({ body: "x", groupId: "g", deduplicationId: "d" }, fifo))
  })

  it("rejects delays over 15 minutes and delays on FIFO queues", () => {
    assert.strictEqual(
      errorOf({ body: "x", delay: "16 minutes" }),
      "the delay is over the maximum of 15 minutes"
    )
    assert.include(
      errorOf({ body: "x", groupId: "g", deduplicationId: "d", delay: "1 second" }, fifo),
      "per-message delays"
    )
    const ok = OutgoingMessage.validate({ body: "x", delay: "15 minutes" }, standard)
    assert.strictEqual((ok as OutgoingMessage.ValidatedMessage).entry.DelaySeconds, 900)
  })
})

describe("OutgoingMessage.utf8Length", () => {
  it("counts bytes as UTF-8 encoding would", () => {
    const encoder = new TextEncoder()
    for (const text of [
      "",
      "abc",
      "é",
      "€",
      "😀",
      "a😀b€é",
      "\uD800",
      "x\uDC00y",
      "\uD800é",
      "\uDBFF\uDFFF"
    ]) {
      assert.strictEqual(OutgoingMessage.utf8Length(text), encoder.encode(text).length, JSON.stringify(text))
    }
  })
})
