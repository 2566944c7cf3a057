import { describe, expect, it } from "vitest"
import { Redact, SqsError } from "../src/index.ts"

const ACCESS_KEY_ID = "AKIAQTESTREDACT12345"
const TEMPORARY_KEY_ID = "ASIAQTESTREDACT67890"
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSECRETKEY"
const TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQD"
const SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

/** What SQS answers to a request signed with the wrong key: it quotes the canonical request. */
const signatureDoesNotMatch = [
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
  "The Canonical String for this request should have been",
  "'POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:sqs.us-east-1.amazonaws.com\nx-amz-date:20261129T210000Z",
  `x-amz-security-token:${TOKEN}\nx-amz-target:AmazonSQS.ReceiveMessage'`,
  `Authorization: AWS4-HMAC-SHA256 Credential=${TEMPORARY_KEY_ID}/20261129/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`,
  `presigned: https://sqs.us-east-1.amazonaws.com/?X-Amz-Credential=${ACCESS_KEY_ID}%2F20261129&X-Amz-Security-Token=${TOKEN}&X-Amz-Signature=${SIGNATURE}`,
  `aws_secret_access_key = ${SECRET}`,
  `{"SessionToken":"${TOKEN}","SecretAccessKey":"${SECRET}"}`,
  `endpoint http://admin:${SECRET}@127.0.0.1:4566/queue`,
  `a bare key id ${ACCESS_KEY_ID} in the text`
].join("\n")

const secrets = [ACCESS_KEY_ID, TEMPORARY_KEY_ID, SECRET, TOKEN, SIGNATURE]

describe("Redact", () => {
  it("takes tokens, signatures, credential scopes, secret keys and URL passwords out of SQS's error text", () => {
    const redacted = Redact.redact(signatureDoesNotMatch)
    for (const secret of secrets) expect(redacted).not.toContain(secret)
    // What is left still says what went wrong and where.
    expect(redacted).toContain("The request signature we calculated does not match")
    expect(redacted).toContain("x-amz-security-token:[redacted]")
    expect(redacted).toContain("host:sqs.us-east-1.amazonaws.com")
    expect(redacted).toContain("http://[redacted]@127.0.0.1:4566/queue")
  })

  it("leaves ordinary text alone", () => {
    const text = 'queue "BackgroundCheckApp" does not exist at http://127.0.0.1:4566 (a body of 12 bytes)'
    expect(Redact.redact(text)).toBe(text)
  })

  it("is applied to every SQS error's text", () => {
    const error = Object.assign(new Error(signatureDoesNotMatch), {
      name: "SignatureDoesNotMatch",
      $fault: "client"
    })
    const reason = SqsError.classify(error, { location: "AWS SQS in us-east-1" })
    expect(reason._tag).toBe("AccessDenied")
    for (const secret of secrets) expect(reason.message).not.toContain(secret)
  })

  it("takes out the values of remembered secrets wherever they appear, encoded too, and ignores short ones", () => {
    const secret = "rememberedSecret/+=Value"
    Redact.addSecret(secret)
    Redact.addSecret("short")
    const forms = [
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      secret.replace(/\//g, "\\/"),
      Buffer.from(secret).toString("base64"),
      Buffer.from(secret).toString("base64url")
    ]
    const redacted = Redact.redact(`echo ${forms.join(" | ")} and a short word`)
    for (const form of forms) expect(redacted).not.toContain(form)
    expect(redacted).toBe(`echo ${forms.map(() => "[redacted]").join(" | ")} and a short word`)
  })
})
