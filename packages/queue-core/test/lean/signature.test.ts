import { assert, describe, layer } from "@effect/vitest"
import { Sha256 } from "@smithy/core/checksum"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect } from "effect"
import * as Lean from "../../src/internal/lean/transport.ts"
import { uniqueName } from "../fixtures.ts"
import {
  fixed,
  leanWith,
  REGION,
  settingsAt,
  TEST_CREDENTIALS,
  TEST_SESSION_CREDENTIALS,
  Verified
} from "./fixtures.ts"
import { mismatchOf } from "./sigv4Verifier.ts"

/** Runs all five lean actions once against a fresh queue. */
const allFiveActions = (lean: Lean.LeanActions, queueUrl: string) =>
  Effect.gen(function* () {
    yield* lean.sendMessage({ QueueUrl: queueUrl, MessageBody: "one" })
    yield* lean.sendMessageBatch({
      QueueUrl: queueUrl,
      Entries: [
        { Id: "a", MessageBody: "two" },
        {
          Id: "b",
          MessageBody: "three",
          MessageAttributes: { kind: { DataType: "String", StringValue: "x y" } }
        }
      ]
    })
    const received = yield* lean.receiveMessage({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0
    })
    const messages = received.Messages ?? []
    const entries = messages.map((message, i) => ({ Id: `m${i}`, ReceiptHandle: message.ReceiptHandle! }))
    yield* lean.changeMessageVisibilityBatch({
      QueueUrl: queueUrl,
      Entries: entries.map((entry) => ({ ...entry, VisibilityTimeout: 30 }))
    })
    const deleted = yield* lean.deleteMessageBatch({ QueueUrl: queueUrl, Entries: entries })
    return { received: messages.length, deleted: deleted.Successful?.length ?? 0 }
  })

const FIVE = [
  "SendMessage",
  "SendMessageBatch",
  "ReceiveMessage",
  "ChangeMessageVisibilityBatch",
  "DeleteMessageBatch"
]

layer(Verified.layerWith(TEST_CREDENTIALS), { excludeTestServices: true })(
  "Lean transport signing (independent SigV4 check, long-term keys)",
  (it) => {
    it.effect("signs requests of all five actions so that an independent SigV4 implementation agrees", () =>
      Effect.gen(function* () {
        const { server, verifier } = yield* Verified
        const queue = server.createQueue({ name: uniqueName("signed") })
        const before = verifier.verified.length
        const lean = yield* leanWith(TEST_CREDENTIALS)
        const { received, deleted } = yield* allFiveActions(
          lean,
          queue.url.replace(server.endpoint, verifier.endpoint)
        )
        assert.strictEqual(received, 3)
        assert.strictEqual(deleted, 3)
        assert.deepStrictEqual(verifier.refused, [])
        assert.deepStrictEqual(
          verifier.verified.slice(before).map((request) => request.action),
          FIVE
        )
        for (const request of verifier.verified.slice(before)) {
          for (const name of ["host", "x-amz-date", "x-amz-target", "content-type", "content-length"]) {
            assert.include(request.signedHeaders, name)
          }
          assert.notInclude(request.signedHeaders, "x-amz-security-token")
        }
      }).pipe(Effect.scoped)
    )

    it.effect("a request signed with a wrong secret is refused, with the AccessDenied reason", () =>
      Effect.gen(function* () {
        const { server, verifier } = yield* Verified
        const queue = server.createQueue({ name: uniqueName("wrong-secret") })
        const lean = yield* leanWith({ ...TEST_CREDENTIALS, secretAccessKey: "not-the-secret" })
        const refusedBefore = verifier.refused.length
        const error = yield* Effect.flip(
          lean.sendMessage({
            QueueUrl: queue.url.replace(server.endpoint, verifier.endpoint),
            MessageBody: "x"
          })
        )
        assert.strictEqual(error.action, "SendMessage")
        assert.strictEqual(error.reason._tag, "AccessDenied")
        assert.strictEqual((error.reason as { code: string }).code, "SignatureDoesNotMatch")
        assert.match(verifier.refused[refusedBefore]!, /signature mismatch/)
        assert.strictEqual(server.inspect(queue.name)?.ready, 0)
      }).pipe(Effect.scoped)
    )

    it.effect("the verifier refuses a request whose body or a signed header changed after signing", () =>
      Effect.gen(function* () {
        const body = JSON.stringify({ QueueUrl: "http://127.0.0.1:1/000000000000/q", MessageBody: "hi" })
        const headers = {
          host: "127.0.0.1:1",
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": "AmazonSQS.SendMessage",
          "content-length": String(body.length)
        }
        const signer = new SignatureV4({
          credentials: TEST_CREDENTIALS,
          region: REGION,
          service: "sqs",
          sha256: Sha256
        })
        const signed = yield* Effect.promise(() =>
          signer.sign({
            method: "POST",
            protocol: "http:",
            hostname: "127.0.0.1",
            port: 1,
            path: "/",
            query: {},
            headers,
            body
          })
        )
        const request = { method: "POST", path: "/", headers: signed.headers, body: Buffer.from(body) }
        assert.isUndefined(mismatchOf(request, TEST_CREDENTIALS, REGION))
        assert.isDefined(
          mismatchOf({ ...request, body: Buffer.from(body.replace("hi", "ho")) }, TEST_CREDENTIALS, REGION)
        )
        assert.isDefined(
          mismatchOf(
            { ...request, headers: { ...signed.headers, "x-amz-target": "AmazonSQS.DeleteMessage" } },
            TEST_CREDENTIALS,
            REGION
          )
        )
        // Without the hash header, aws4 hashes the body itself.
        const { "x-amz-content-sha256": _hash, ...withoutHash } = signed.headers
        const unhashed = yield* Effect.promise(() =>
          new SignatureV4({
            credentials: TEST_CREDENTIALS,
            region: REGION,
            service: "sqs",
            sha256: Sha256,
            applyChecksum: false
          }).sign({
            method: "POST",
            protocol: "http:",
            hostname: "127.0.0.1",
            port: 1,
            path: "/",
            query: {},
            headers,
            body
          })
        )
        assert.isUndefined(mismatchOf({ ...request, headers: unhashed.headers }, TEST_CREDENTIALS, REGION))
        assert.isDefined(
          mismatchOf(
            { ...request, headers: unhashed.headers, body: Buffer.from(`${body} `) },
            TEST_CREDENTIALS,
            REGION
          )
        )
        assert.isDefined(withoutHash)
      })
    )
  }
)

describe("Lean transport signing (independent SigV4 check, session credentials)", () => {
  layer(Verified.layerWith(TEST_SESSION_CREDENTIALS), { excludeTestServices: true })(
    "with a session token",
    (it) => {
      it.effect("sends the session token in x-amz-security-token and signs it, for all five actions", () =>
        Effect.gen(function* () {
          const { server, verifier } = yield* Verified
          const queue = server.createQueue({ name: uniqueName("session") })
          const before = verifier.verified.length
          const lean = yield* leanWith(TEST_SESSION_CREDENTIALS)
          yield* allFiveActions(lean, queue.url.replace(server.endpoint, verifier.endpoint))
          assert.deepStrictEqual(verifier.refused, [])
          const requests = verifier.verified.slice(before)
          assert.deepStrictEqual(
            requests.map((request) => request.action),
            FIVE
          )
          for (const request of requests) {
            assert.include(request.signedHeaders, "x-amz-security-token")
            assert.strictEqual(request.headers["x-amz-security-token"], TEST_SESSION_CREDENTIALS.sessionToken)
          }
        }).pipe(Effect.scoped)
      )

      it.effect("signs GetQueueUrl and GetQueueAttributes too; a missing queue is QueueNotFound", () =>
        Effect.gen(function* () {
          const { server, verifier } = yield* Verified
          const queue = server.createQueue({ name: uniqueName("resolve") })
          const before = verifier.verified.length
          const lean = yield* leanWith(TEST_SESSION_CREDENTIALS)
          const { QueueUrl } = yield* lean.getQueueUrl({ QueueName: queue.name })
          assert.match(QueueUrl ?? "", new RegExp(`/${queue.name}$`))
          const { Attributes } = yield* lean.getQueueAttributes({
            QueueUrl: queue.url.replace(server.endpoint, verifier.endpoint),
            AttributeNames: ["QueueArn", "VisibilityTimeout"]
          })
          assert.match(Attributes?.QueueArn ?? "", new RegExp(`:${queue.name}$`))
          assert.isDefined(Attributes?.VisibilityTimeout)
          const missing = yield* Effect.flip(lean.getQueueUrl({ QueueName: "no-such-queue" }))
          assert.strictEqual(missing.reason._tag, "QueueNotFound")
          assert.strictEqual(missing.message, `queue "no-such-queue" does not exist at ${verifier.endpoint}`)
          assert.deepStrictEqual(verifier.refused, [])
          assert.deepStrictEqual(
            verifier.verified.slice(before).map((request) => request.action),
            ["GetQueueUrl", "GetQueueAttributes", "GetQueueUrl"]
          )
        }).pipe(Effect.scoped)
      )

      it.effect("a request without the session token, or with another one, is refused as AccessDenied", () =>
        Effect.gen(function* () {
          const { server, verifier } = yield* Verified
          const queue = server.createQueue({ name: uniqueName("no-token") })
          const queueUrl = queue.url.replace(server.endpoint, verifier.endpoint)
          const { sessionToken: _token, ...withoutToken } = TEST_SESSION_CREDENTIALS
          for (const credentials of [
            withoutToken,
            { ...TEST_SESSION_CREDENTIALS, sessionToken: "another-token" }
          ]) {
            const lean = yield* Lean.makeLeanActions(settingsAt(verifier.endpoint), {
              credentials: fixed(credentials)
            })
            const error = yield* Effect.flip(lean.receiveMessage({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }))
            assert.strictEqual(error.reason._tag, "AccessDenied")
          }
          assert.strictEqual(verifier.refused.length, 2)
          assert.match(verifier.refused[0]!, /not signed: x-amz-security-token/)
          assert.match(verifier.refused[1]!, /signature mismatch/)
        }).pipe(Effect.scoped)
      )
    }
  )
})
