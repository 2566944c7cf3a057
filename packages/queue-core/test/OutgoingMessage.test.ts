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

  it("checks Number values as SQS stores them: a decimal number of at most 38 digits, 10^-128 to 10^+126", () => {
    for (const value of ["-1.5e3", "42", "1e126", "1e-128", "9".repeat(38), 1.5, -0, 1e126, 0.1 + 0.2]) {
      assert.isUndefined(
        errorOf({ body: "x", attributes: { n: { dataType: "Number", value: String(value) } } })
      )
      if (typeof value === "number") assert.isUndefined(errorOf({ body: "x", attributes: { n: value } }))
    }
    const refused: ReadonlyArray<readonly [string | number, string]> = [
      ["0x10", "is not a number"],
      [" 1", "is not a number"],
      ["Infinity", "is not a number"],
      [Number.NaN, "is not a number"],
      ["1e127", "is out of SQS's range"],
      [Number.MAX_VALUE, "is out of SQS's range"],
      [5e-324, "is out of SQS's range"],
      ["9".repeat(39), "has 39 significant digits; SQS keeps at most 38"]
    ]
    for (const [value, problem] of refused) {
      assert.include(
        errorOf({ body: "x", attributes: { n: value } }) ??
          errorOf({ body: "x", attributes: { n: { dataType: "Number", value: String(value) } } }),
        `attribute "n" is of type Number but its value ${JSON.stringify(String(value))} ${problem}`,
        String(value)
      )
    }
  })

  it("allows a data type of at most 256 characters", () => {
    const type = (length: number) => `Number.${"x".repeat(length - 7)}`
    assert.isUndefined(errorOf({ body: "x", attributes: { n: { dataType: type(256), value: "1" } } }))
    assert.include(
      errorOf({ body: "x", attributes: { n: { dataType: type(257), value: "1" } } }),
      "at most 256 characters"
    )
  })

  it("refuses an empty Binary value, and bytes or text under the other kind of type", () => {
    assert.strictEqual(
      errorOf({ body: "x", attributes: { b: new Uint8Array(0) } }),
      'attribute "b" has an empty value'
    )
    assert.strictEqual(
      errorOf({ body: "x", attributes: { b: { dataType: "Binary", value: "aGk=" } } }),
      'attribute "b" is of type "Binary" but its value is text, not bytes'
    )
    assert.strictEqual(
      errorOf({ body: "x", attributes: { s: { dataType: "String", value: Uint8Array.of(1) } } }),
      'attribute "s" is of type "String" but its value is bytes, not text'
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

describe("OutgoingMessage.decodeBase64", () => {
  it("reads standard, padded base64 only, and at least one byte", () => {
    const decoded = (text: string) => {
      const bytes = OutgoingMessage.decodeBase64(text)
      return bytes === undefined ? undefined : Buffer.from(bytes).toString("latin1")
    }
    assert.strictEqual(decoded("aGk="), "hi")
    assert.strictEqual(decoded("aGVsbG8h"), "hello!")
    assert.strictEqual(decoded("+/8="), "\u00fb\u00ff")
    // Not base64, empty, unpadded, URL-safe, with spaces, stray bits, padding in the middle.
    for (const text of ["!!!", "", "aGk", "-_8=", "aG k=", "aGl=", "aG==aGk=", "aGk=\n"]) {
      assert.isUndefined(decoded(text), text)
    }
  })
})
