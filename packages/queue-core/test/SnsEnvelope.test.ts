import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { SnsEnvelope } from "../src/index.ts"
import { snsNotification } from "./fixtures/extendedClients.ts"

/** An SNS notification around "hello" with these attributes, as SNS writes them. */
const withAttributes = (attributes: unknown) =>
  JSON.stringify({ ...JSON.parse(snsNotification("hello")), MessageAttributes: attributes })

const attribute = (Type: string, Value: string) => ({ Type, Value })

/** Why the envelope is refused; fails the test when it is not. */
const reasonOf = (body: string): string => {
  const result = SnsEnvelope.unwrap(body)
  if (Result.isSuccess(result)) assert.fail(`accepted: ${body.slice(0, 200)}`)
  const reason = (result as Result.Failure<SnsEnvelope.Unwrapped, string>).failure
  assert.notMatch(reason, /[\n\r\u0085\u2028\u2029]/, "one line")
  return reason
}

/** The attributes the handler would see; fails the test when the envelope is refused. */
const attributesOf = (body: string) => {
  const result = SnsEnvelope.unwrap(body)
  if (Result.isFailure(result)) assert.fail(`refused: ${result.failure}`)
  return Result.getOrThrow(result).messageAttributes
}

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
      assert.match(reasonOf(body), /^the body is not an SNS notification: /)
    }
  })

  it("unwraps SNS's own attribute shapes: String, String.Array, Number such as -1.5e3, Binary in base64", () => {
    const attributes = attributesOf(
      withAttributes({
        stage: attribute("String", "started ✓ 😀"),
        tags: attribute("String.Array", '["a","b",3,null]'),
        delta: attribute("Number", "-1.5e3"),
        count: attribute("Number", "42"),
        digest: attribute("Binary", "3q2+7w=="),
        "trace.id-1_x": attribute("String", "v")
      })
    )
    assert.deepStrictEqual(attributes, {
      stage: { DataType: "String", StringValue: "started ✓ 😀" },
      tags: { DataType: "String.Array", StringValue: '["a","b",3,null]' },
      delta: { DataType: "Number", StringValue: "-1.5e3" },
      count: { DataType: "Number", StringValue: "42" },
      digest: { DataType: "Binary", BinaryValue: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) },
      "trace.id-1_x": { DataType: "String", StringValue: "v" }
    })
  })

  it("refuses a Binary value that is not strict padded base64, naming the attribute", () => {
    assert.deepStrictEqual(attributesOf(withAttributes({ b: attribute("Binary.gif", "aGk=") })).b, {
      DataType: "Binary.gif",
      BinaryValue: Uint8Array.from(Buffer.from("hi"))
    })
    // Not base64, unpadded, URL-safe, with a space, stray bits, padding in the middle.
    for (const value of ["!!!", "aGk", "-_8=", "aG k=", "aGl=", "aG==aGk=", "aGk=\n"]) {
      assert.strictEqual(
        reasonOf(withAttributes({ b: attribute("Binary", value) })),
        `the SNS notification's attribute "b" is of type Binary but its value ${JSON.stringify(value)} ` +
          "is not base64 (A-Z, a-z, 0-9, + and /, padded with =)",
        value
      )
    }
    assert.strictEqual(
      reasonOf(withAttributes({ b: attribute("Binary", "") })),
      `the SNS notification's attribute "b" has an empty value`
    )
  })

  it("refuses a Number value SQS would not store: not a decimal number, over 38 digits, out of range", () => {
    const accepted = [
      "0",
      "-0",
      "+7",
      "-1.5e3",
      "1.5E+3",
      "0.000",
      ".5",
      "5.",
      `1${"0".repeat(126)}`,
      "1e126",
      "-1e126",
      "1e-128",
      "0.00001e-123",
      "9".repeat(38),
      `0.000${"1".repeat(38)}000`,
      "0e999999"
    ]
    for (const value of accepted) {
      assert.strictEqual(
        attributesOf(withAttributes({ n: attribute("Number", value) })).n?.StringValue,
        value
      )
    }
    const refused: ReadonlyArray<readonly [string, string]> = [
      ["abc", "is not a number"],
      ["0x10", "is not a number"],
      [" 1", "is not a number"],
      ["1 ", "is not a number"],
      ["1_000", "is not a number"],
      ["NaN", "is not a number"],
      ["Infinity", "is not a number"],
      ["1e", "is not a number"],
      [".", "is not a number"],
      ["--1", "is not a number"],
      ["9".repeat(39), "has 39 significant digits; SQS keeps at most 38"],
      [`1.${"0".repeat(37)}1`, "has 39 significant digits; SQS keeps at most 38"],
      ["1.0000000001e126", "is out of SQS's range"],
      ["2e126", "is out of SQS's range"],
      ["1e127", "is out of SQS's range"],
      ["9e-129", "is out of SQS's range"],
      ["1e-999999999999999999999", "is out of SQS's range"]
    ]
    for (const [value, problem] of refused) {
      assert.strictEqual(
        reasonOf(withAttributes({ n: attribute("Number.float", value) })),
        `the SNS notification's attribute "n" is of type Number but its value ${JSON.stringify(value)} ${problem}` +
          (problem.startsWith("is out") ? " (a magnitude from 10^-128 to 10^+126, or zero)" : ""),
        value
      )
    }
  })

  it("refuses more than 10 attributes, before reading any of them", () => {
    const many = (count: number, value = attribute("String", "v")) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`a${i}`, value]))
    assert.strictEqual(Object.keys(attributesOf(withAttributes(many(10)))).length, 10)
    const expected = "the SNS notification has more than 10 message attributes, SQS allows at most 10"
    assert.strictEqual(reasonOf(withAttributes(many(11))), expected)
    // Refused for the count, not for the first invalid one (which would be read first otherwise).
    assert.strictEqual(reasonOf(withAttributes(many(15_000, attribute("Number", "x")))), expected)
  })

  it("refuses attribute names SQS would refuse", () => {
    assert.isDefined(attributesOf(withAttributes({ ["a".repeat(256)]: attribute("String", "v") })))
    for (const name of [
      "",
      "AWS.trace",
      "aws.x",
      "Amazon.x",
      "amazon.X",
      ".a",
      "a.",
      "a..b",
      "a b",
      "é",
      "a/b",
      "a".repeat(257)
    ]) {
      assert.match(
        reasonOf(withAttributes({ [name]: attribute("String", "v") })),
        /^the SNS notification's attribute name ".*" is invalid: up to 256 letters, digits, _ - and ., no leading, trailing or double period, not starting with AWS\. or Amazon\.$/,
        name
      )
    }
  })

  it("refuses a data type other than String, Number or Binary with an optional label, 256 characters at most", () => {
    for (const type of ["String", "Number.int", "Binary.png", "String.Array", `String.${"x".repeat(249)}`]) {
      const value = type.startsWith("Binary") ? "aGk=" : "1"
      assert.strictEqual(attributesOf(withAttributes({ a: attribute(type, value) })).a?.DataType, type)
    }
    for (const type of [
      "",
      "Date",
      "string",
      "STRING",
      "Strings",
      "Number.",
      "String.\u0000",
      `String.${"x".repeat(250)}`
    ]) {
      assert.match(
        reasonOf(withAttributes({ a: attribute(type, "1") })),
        /^the SNS notification's attribute "a" has data type ".*"; use String, Number or Binary, optionally with a custom label \(Number\.int\), at most 256 characters$/,
        type
      )
    }
  })

  it("refuses a String value with a character SQS rejects, or an empty one", () => {
    for (const [value, at] of [
      ["a\u0000", "U+0000 at index 1"],
      ["\u0007bell", "U+0007 at index 0"],
      ["x\uD800y", "U+D800 at index 1"],
      ["\uFFFE", "U+FFFE at index 0"]
    ] as const) {
      assert.strictEqual(
        reasonOf(withAttributes({ s: attribute("String", value) })),
        `the SNS notification's attribute "s" has a character SQS rejects (${at})`
      )
    }
    assert.strictEqual(
      reasonOf(withAttributes({ s: attribute("String.Array", "") })),
      `the SNS notification's attribute "s" has an empty value`
    )
  })

  it("refuses attributes that are not { Type, Value } strings", () => {
    for (const attributes of [
      [],
      "x",
      1,
      null,
      { a: "v" },
      { a: { Type: "String" } },
      { a: { Type: "Number", Value: 1 } }
    ]) {
      assert.match(
        reasonOf(withAttributes(attributes)),
        /^the (body is not an SNS notification: its MessageAttributes is not an object|SNS notification's attribute "a" is not an object of a Type and a Value, both strings)$/,
        JSON.stringify(attributes)
      )
    }
  })

  it("quotes a long name or value cut short, on one line", () => {
    const value = `12\n${"3".repeat(100_000)}`
    const reason = reasonOf(withAttributes({ n: attribute("Number", value) }))
    assert.strictEqual(
      reason,
      `the SNS notification's attribute "n" is of type Number but its value ` +
        `"12\\n${"3".repeat(116)}… (100003 characters)" is not a number`
    )
    assert.strictEqual(
      reasonOf(withAttributes({ n: attribute("Number", "1\u2028\r2") })),
      `the SNS notification's attribute "n" is of type Number but its value "1\\u2028\\r2" is not a number`
    )
    const name = `x${"y".repeat(10_000)}`
    assert.isBelow(reasonOf(withAttributes({ [name]: attribute("Date", "1") })).length, 400)
  })
})
