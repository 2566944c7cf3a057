import { assert, describe, it } from "@effect/vitest"
import { Sha256 } from "@smithy/core/checksum"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect } from "effect"
import * as Protocol from "../../src/internal/lean/protocol.ts"
import * as Signer from "../../src/internal/lean/signer.ts"
import { REGION, TEST_CREDENTIALS, TEST_SESSION_CREDENTIALS } from "./fixtures.ts"
import { SUITE_CREDENTIALS, SUITE_TIME, SUITE_TOKEN, VECTORS } from "./sigv4Suite.ts"

describe("Lean signer", () => {
  describe("AWS's SigV4 test suite", () => {
    const sign = Signer.make({ region: "us-east-1", service: "service", contentSha256: false })
    for (const vector of VECTORS) {
      it(vector.name, () => {
        const credentials = vector.withToken
          ? { ...SUITE_CREDENTIALS, sessionToken: SUITE_TOKEN }
          : SUITE_CREDENTIALS
        const signed = sign(vector, credentials, SUITE_TIME)
        assert.strictEqual(signed.authorization, vector.authorization)
        assert.strictEqual(signed["x-amz-date"], "20150830T123600Z")
        assert.strictEqual(signed["x-amz-security-token"], vector.withToken ? SUITE_TOKEN : undefined)
      })
    }
  })

  describe("the same signature as the SDK's signer", () => {
    const body = JSON.stringify({
      QueueUrl: "http://127.0.0.1:9324/000000000000/orders",
      Entries: [{ Id: "a", MessageBody: "héllo  wörld\n", DelaySeconds: 0 }]
    })
    const headers = Protocol.requestHeaders("SendMessageBatch", "127.0.0.1:9324", body)
    const sdkSigned = (credentials: typeof TEST_CREDENTIALS, signingDate: Date) =>
      Effect.promise(() =>
        new SignatureV4({ credentials, region: REGION, service: "sqs", sha256: Sha256 }).sign(
          {
            method: "POST",
            protocol: "http:",
            hostname: "127.0.0.1",
            port: 9324,
            path: "/",
            query: {},
            headers,
            body
          },
          { signingDate }
        )
      ).pipe(Effect.map((request) => request.headers))

    for (const [what, credentials] of [
      ["long-term keys", TEST_CREDENTIALS],
      ["a session token", TEST_SESSION_CREDENTIALS]
    ] as const) {
      it.effect(`with ${what}, on two days (a cached key, then a new one)`, () =>
        Effect.gen(function* () {
          const sign = Signer.make({ region: REGION, service: "sqs" })
          for (const millis of [
            Date.UTC(2026, 0, 31, 23, 59, 59),
            Date.UTC(2026, 0, 31, 23, 59, 59),
            Date.UTC(2026, 1, 1, 0, 0, 1)
          ]) {
            const ours = sign({ method: "POST", path: "/", headers, body }, credentials, millis)
            const theirs = yield* sdkSigned(credentials, new Date(millis))
            assert.deepStrictEqual(ours, theirs)
          }
        })
      )
    }
  })
})
