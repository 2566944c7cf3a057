/**
 * The same operations through the SDK (`SqsClient`) and through the lean transport, against the
 * same local SQS behind the SigV4 verifier: the same results and the same error reasons.
 */
import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Fiber, type Scope } from "effect"
import { SqsClient, type SqsError } from "../../src/index.ts"
import * as Credentials from "../../src/internal/credentials.ts"
import * as Lean from "../../src/internal/lean/transport.ts"
import { noRetry, uniqueName } from "../fixtures.ts"
import { fixed, settingsAt, Verified } from "./fixtures.ts"

/** SqsClient gives loopback endpoints these credentials; the verifier checks signatures made with them. */
const LOCAL = { accessKeyId: "local", secretAccessKey: "local" }
const WRONG = { accessKeyId: "local", secretAccessKey: "not-local" }

type Transport = "sdk" | "lean"

/** The hot actions over one transport, pointed at the verifier. */
const actionsOf = (
  transport: Transport,
  options: { readonly endpoint?: string; readonly credentials?: typeof LOCAL } = {}
): Effect.Effect<Lean.LeanActions, never, Verified | Scope.Scope> =>
  Effect.gen(function* () {
    const { verifier } = yield* Verified
    const endpoint = options.endpoint ?? verifier.endpoint
    const sdk = yield* Effect.orDie(
      SqsClient.make({
        endpoint,
        retrySchedule: noRetry,
        reconnectSchedule: noRetry,
        ...(options.credentials === undefined ? {} : { sdk: { credentials: options.credentials } })
      })
    )
    if (transport === "sdk") return sdk
    return yield* Lean.makeLeanActions(
      sdk.settings,
      options.credentials === undefined ? {} : { credentials: fixed(options.credentials) }
    )
  })

/** Runs `scenario` over each transport, each with its own scope. */
const both = <A, E>(
  scenario: (actions: Lean.LeanActions, transport: Transport) => Effect.Effect<A, E, Verified | Scope.Scope>,
  options?: Parameters<typeof actionsOf>[1]
) =>
  Effect.gen(function* () {
    const sdk = yield* Effect.scoped(Effect.flatMap(actionsOf("sdk", options), (a) => scenario(a, "sdk")))
    const lean = yield* Effect.scoped(Effect.flatMap(actionsOf("lean", options), (a) => scenario(a, "lean")))
    return { sdk, lean }
  })

/** A reason as far as callers can see it. */
const reasonOf = (error: SqsError.SqsError) => ({
  action: error.action,
  tag: error.reason._tag,
  code: (error.reason as { code?: string }).code,
  retryable: error.isRetryable,
  message: error.message
})

/** A fresh queue on the local SQS, and its URL through the verifier. */
const freshQueue = (prefix: string, attributes?: Record<string, string>) =>
  Effect.map(Verified, ({ server, verifier }) => {
    const queue = server.createQueue({ name: uniqueName(prefix), ...(attributes ? { attributes } : {}) })
    return { name: queue.name, url: queue.url.replace(server.endpoint, verifier.endpoint) }
  })

const attributes: Record<string, MessageAttributeValue> = {
  text: { DataType: "String", StringValue: "héllo wörld ✓" },
  count: { DataType: "Number", StringValue: "42" },
  bytes: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 250, 255]) },
  traceparent: {
    DataType: "String.trace",
    StringValue: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
  }
}

/** What of a received message does not depend on when or where it was received. */
const stable = (message: Message) => ({
  Body: message.Body,
  MD5OfBody: message.MD5OfBody,
  MD5OfMessageAttributes: message.MD5OfMessageAttributes,
  MessageAttributes: message.MessageAttributes,
  attributeNames: Object.keys(message.Attributes ?? {}).sort(),
  receiveCount: message.Attributes?.ApproximateReceiveCount,
  hasIds: typeof message.MessageId === "string" && typeof message.ReceiptHandle === "string"
})

const byId = <A extends { readonly Id?: string | undefined }>(entries: ReadonlyArray<A> | undefined) =>
  [...(entries ?? [])].sort((a, b) => (a.Id ?? "").localeCompare(b.Id ?? ""))

layer(Verified.layerWith(LOCAL), { excludeTestServices: true })(
  "Lean transport and SDK give the same",
  (it) => {
    it.effect("results for send, send batch, receive, visibility change and delete", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both((actions) =>
          Effect.gen(function* () {
            const queue = yield* freshQueue("same-results")
            const sent = yield* actions.sendMessage({
              QueueUrl: queue.url,
              MessageBody: "first ✓",
              MessageAttributes: attributes
            })
            const batch = yield* actions.sendMessageBatch({
              QueueUrl: queue.url,
              Entries: [
                { Id: "b", MessageBody: "second", MessageAttributes: { text: attributes.text! } },
                { Id: "a", MessageBody: "third", DelaySeconds: 0 }
              ]
            })
            const received = yield* actions.receiveMessage({
              QueueUrl: queue.url,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 0,
              MessageSystemAttributeNames: ["All"],
              MessageAttributeNames: ["All"]
            })
            const messages = [...(received.Messages ?? [])].sort((a, b) =>
              (a.Body ?? "").localeCompare(b.Body ?? "")
            )
            const handles = messages.map((message, i) => ({
              Id: `m${i}`,
              ReceiptHandle: message.ReceiptHandle!
            }))
            const changed = yield* actions.changeMessageVisibilityBatch({
              QueueUrl: queue.url,
              Entries: handles.map((handle) => ({ ...handle, VisibilityTimeout: 0 }))
            })
            const again = yield* actions.receiveMessage({
              QueueUrl: queue.url,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1
            })
            const deleted = yield* actions.deleteMessageBatch({
              QueueUrl: queue.url,
              Entries: (again.Messages ?? []).map((message, i) => ({
                Id: `d${i}`,
                ReceiptHandle: message.ReceiptHandle!
              }))
            })
            const { server } = yield* Verified
            return {
              sent: {
                keys: Object.keys(sent).sort(),
                MD5OfMessageBody: sent.MD5OfMessageBody,
                MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
                hasId: typeof sent.MessageId === "string",
                status: sent.$metadata.httpStatusCode
              },
              batch: byId(batch.Successful).map((ok) => ({
                Id: ok.Id,
                MD5OfMessageBody: ok.MD5OfMessageBody,
                MD5OfMessageAttributes: ok.MD5OfMessageAttributes
              })),
              batchFailed: batch.Failed ?? [],
              received: messages.map(stable),
              changed: { ok: byId(changed.Successful), failed: changed.Failed ?? [] },
              again: (again.Messages ?? []).length,
              deleted: { ok: byId(deleted.Successful).length, failed: deleted.Failed ?? [] },
              left: server.inspect(queue.name)
            }
          })
        )
        assert.deepStrictEqual(lean, sdk)
        // What the comparison covers, so that a vacuous run cannot pass.
        assert.strictEqual(sdk.received.length, 3)
        assert.strictEqual(sdk.deleted.ok, 3)
        assert.deepStrictEqual(sdk.left, { ready: 0, delayed: 0, inFlight: 0 })
        const first = lean.received.find((message) => message.Body === "first ✓")!
        assert.instanceOf(first.MessageAttributes?.bytes?.BinaryValue, Uint8Array)
        assert.deepStrictEqual(first.MessageAttributes, attributes)
      })
    )

    it.effect("sequence numbers of FIFO sends", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both((actions) =>
          Effect.gen(function* () {
            const { server, verifier } = yield* Verified
            const created = server.createQueue({ name: `${uniqueName("fifo")}.fifo` })
            const QueueUrl = created.url.replace(server.endpoint, verifier.endpoint)
            const one = yield* actions.sendMessage({
              QueueUrl,
              MessageBody: "one",
              MessageGroupId: "g",
              MessageDeduplicationId: "1"
            })
            const batch = yield* actions.sendMessageBatch({
              QueueUrl,
              Entries: [{ Id: "x", MessageBody: "two", MessageGroupId: "g", MessageDeduplicationId: "2" }]
            })
            return {
              one: typeof one.SequenceNumber === "string" && typeof one.MessageId === "string",
              batch: (batch.Successful ?? []).map((ok) => typeof ok.SequenceNumber === "string")
            }
          })
        )
        assert.deepStrictEqual(lean, sdk)
        assert.deepStrictEqual(sdk, { one: true, batch: [true] })
      })
    )

    it.effect("QueueNotFound reasons for a queue that does not exist, in all five actions", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both((actions) =>
          Effect.gen(function* () {
            const { verifier } = yield* Verified
            const QueueUrl = `${verifier.endpoint}/000000000000/${uniqueName("missing")}`
            const handle = [{ Id: "a", ReceiptHandle: "handle" }]
            const errors = yield* Effect.all([
              Effect.flip(actions.receiveMessage({ QueueUrl, WaitTimeSeconds: 0 })),
              Effect.flip(actions.sendMessage({ QueueUrl, MessageBody: "x" })),
              Effect.flip(actions.sendMessageBatch({ QueueUrl, Entries: [{ Id: "a", MessageBody: "x" }] })),
              Effect.flip(actions.deleteMessageBatch({ QueueUrl, Entries: handle })),
              Effect.flip(
                actions.changeMessageVisibilityBatch({
                  QueueUrl,
                  Entries: [{ ...handle[0]!, VisibilityTimeout: 1 }]
                })
              )
            ])
            return errors.map(reasonOf).map(({ message, ...rest }) => ({
              ...rest,
              message: message.replace(QueueUrl.split("/").pop()!, "Q")
            }))
          })
        )
        assert.deepStrictEqual(lean, sdk)
        assert.deepStrictEqual(
          sdk.map((reason) => reason.tag),
          ["QueueNotFound", "QueueNotFound", "QueueNotFound", "QueueNotFound", "QueueNotFound"]
        )
      })
    )

    it.effect("AccessDenied reasons for requests signed with the wrong secret", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both(
          (actions) =>
            Effect.gen(function* () {
              const queue = yield* freshQueue("denied")
              const error = yield* Effect.flip(actions.sendMessage({ QueueUrl: queue.url, MessageBody: "x" }))
              const { message: _differs, ...reason } = reasonOf(error)
              return reason
            }),
          { credentials: WRONG }
        )
        assert.deepStrictEqual(lean, sdk)
        assert.deepStrictEqual(sdk, {
          action: "SendMessage",
          tag: "AccessDenied",
          code: "SignatureDoesNotMatch",
          retryable: false
        })
      })
    )

    it.effect("Throttled reasons when SQS throttles, whichever way it says so", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both((actions) =>
          Effect.gen(function* () {
            const { server } = yield* Verified
            const queue = yield* freshQueue("throttled")
            server.injectFaults({
              action: "ReceiveMessage",
              requestFailureRate: 1,
              code: "ThrottlingException"
            })
            const receive = yield* Effect.flip(
              actions.receiveMessage({ QueueUrl: queue.url, WaitTimeSeconds: 0 })
            )
            server.injectFaults({
              action: "SendMessageBatch",
              requestFailureRate: 1,
              code: "RequestThrottled",
              senderFault: true
            })
            const send = yield* Effect.flip(
              actions.sendMessageBatch({ QueueUrl: queue.url, Entries: [{ Id: "a", MessageBody: "x" }] })
            )
            server.injectFaults({
              action: "DeleteMessageBatch",
              requestFailureRate: 1,
              code: "InternalError"
            })
            const internal = yield* Effect.flip(
              actions.deleteMessageBatch({ QueueUrl: queue.url, Entries: [{ Id: "a", ReceiptHandle: "h" }] })
            )
            server.clearFaults()
            return [receive, send, internal].map(reasonOf)
          })
        )
        assert.deepStrictEqual(lean, sdk)
        assert.deepStrictEqual(
          sdk.map(({ tag, code }) => ({ tag, code })),
          [
            { tag: "Throttled", code: "ThrottlingException" },
            { tag: "Throttled", code: "RequestThrottled" },
            { tag: "ServiceUnavailable", code: "InternalError" }
          ]
        )
      })
    )

    it.effect("partial failures of send and delete batches", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both((actions) =>
          Effect.gen(function* () {
            const { server } = yield* Verified
            const queue = yield* freshQueue("partial")
            const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: `body ${i}` }))
            // The same seed fails the same entries for each transport.
            server.injectFaults({
              action: "SendMessageBatch",
              entryFailureRate: 0.4,
              code: "InternalError",
              seed: 7
            })
            const sent = yield* actions.sendMessageBatch({ QueueUrl: queue.url, Entries })
            server.clearFaults()
            const received = yield* actions.receiveMessage({
              QueueUrl: queue.url,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 0
            })
            const handles = [...(received.Messages ?? [])]
              .sort((a, b) => (a.Body ?? "").localeCompare(b.Body ?? ""))
              .map((message, i) => ({ Id: `d${i}`, ReceiptHandle: message.ReceiptHandle! }))
            server.injectFaults({
              action: "DeleteMessageBatch",
              entryFailureRate: 0.5,
              code: "ReceiptHandleIsInvalid",
              senderFault: true,
              seed: 3
            })
            const deleted = yield* actions.deleteMessageBatch({ QueueUrl: queue.url, Entries: handles })
            server.clearFaults()
            return {
              sentOk: byId(sent.Successful).map((ok) => ok.Id),
              sentFailed: byId(sent.Failed),
              deletedOk: byId(deleted.Successful).map((ok) => ok.Id),
              deletedFailed: byId(deleted.Failed)
            }
          })
        )
        assert.deepStrictEqual(lean, sdk)
        assert.isAbove(sdk.sentFailed.length, 0)
        assert.isAbove(sdk.sentOk.length, 0)
        assert.isAbove(sdk.deletedFailed.length, 0)
        assert.isAbove(sdk.deletedOk.length, 0)
      })
    )

    it.effect("a Failed entry for an invalid receipt handle, in delete and visibility batches", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both((actions) =>
          Effect.gen(function* () {
            const queue = yield* freshQueue("bad-handle")
            const Entries = [{ Id: "bogus", ReceiptHandle: "not-a-receipt-handle" }]
            const deleted = yield* actions.deleteMessageBatch({ QueueUrl: queue.url, Entries })
            const changed = yield* actions.changeMessageVisibilityBatch({
              QueueUrl: queue.url,
              Entries: [{ ...Entries[0]!, VisibilityTimeout: 10 }]
            })
            return {
              deleted: { ok: deleted.Successful ?? [], failed: deleted.Failed ?? [] },
              changed: { ok: changed.Successful ?? [], failed: changed.Failed ?? [] }
            }
          })
        )
        assert.deepStrictEqual(lean, sdk)
        // The local SQS (fauxqs) accepts deleting an unknown handle, where SQS fails the entry; it
        // fails the visibility change as SQS does. Either way both transports report the same.
        assert.deepStrictEqual(
          sdk.changed.failed.map(({ Id, Code, SenderFault }) => ({ Id, Code, SenderFault })),
          [{ Id: "bogus", Code: "ReceiptHandleIsInvalid", SenderFault: true }]
        )
      })
    )

    it.effect("InvalidRequest reasons for an oversized message and an oversized batch", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both((actions) =>
          Effect.gen(function* () {
            const queue = yield* freshQueue("oversized")
            const big = "x".repeat(1024 * 1024 + 1)
            const one = yield* Effect.flip(actions.sendMessage({ QueueUrl: queue.url, MessageBody: big }))
            const batch = yield* Effect.flip(
              actions.sendMessageBatch({
                QueueUrl: queue.url,
                Entries: [
                  { Id: "a", MessageBody: big.slice(0, 600_000) },
                  { Id: "b", MessageBody: big.slice(0, 600_000) }
                ]
              })
            )
            const { server } = yield* Verified
            return { reasons: [one, batch].map(reasonOf), left: server.inspect(queue.name) }
          })
        )
        assert.deepStrictEqual(lean, sdk)
        assert.deepStrictEqual(
          sdk.reasons.map((reason) => reason.tag),
          ["InvalidRequest", "InvalidRequest"]
        )
        assert.strictEqual(sdk.left?.ready, 0)
      })
    )

    it.effect("EndpointUnreachable reasons when nothing listens at the endpoint", () =>
      Effect.gen(function* () {
        const { sdk, lean } = yield* both(
          (actions) =>
            Effect.map(
              Effect.flip(
                actions.sendMessage({ QueueUrl: "http://127.0.0.1:9/000000000000/q", MessageBody: "x" })
              ),
              reasonOf
            ),
          // Port 9 (discard) has nothing listening on loopback: the connection is refused at once.
          { endpoint: "http://127.0.0.1:9" }
        )
        assert.deepStrictEqual(lean, sdk)
        assert.strictEqual(sdk.tag, "EndpointUnreachable")
      })
    )
  }
)

describe("Lean transport integrity and cancellation", () => {
  const tamper = (action: string, body: string) =>
    action === "ReceiveMessage" ? body.replace('"Body":"original"', '"Body":"altered"') : body

  layer(Verified.layerWith(LOCAL, tamper), { excludeTestServices: true })(
    "behind a network that alters bodies",
    (it) => {
      it.effect("a received body that does not match its MD5 fails the receive, in both transports", () =>
        Effect.gen(function* () {
          const { sdk, lean } = yield* both((actions) =>
            Effect.gen(function* () {
              const queue = yield* freshQueue("tampered")
              const sent = yield* actions.sendMessage({ QueueUrl: queue.url, MessageBody: "original" })
              const error = yield* Effect.flip(
                actions.receiveMessage({ QueueUrl: queue.url, WaitTimeSeconds: 0 })
              )
              return { error, messageId: sent.MessageId! }
            })
          )
          assert.strictEqual(sdk.error.reason._tag, "Unknown")
          assert.strictEqual(lean.error.reason._tag, "Unknown")
          assert.isFalse(lean.error.isRetryable)
          assert.strictEqual((lean.error.reason as { code: string }).code, "ChecksumMismatch")
          assert.include(lean.error.message, lean.messageId)
        })
      )

      it.effect("with the check turned off, the altered body is returned as received", () =>
        Effect.gen(function* () {
          const { verifier } = yield* Verified
          const queue = yield* freshQueue("unchecked")
          const lean = yield* Lean.makeLeanActions(settingsAt(verifier.endpoint), { checkMd5: false })
          yield* lean.sendMessage({ QueueUrl: queue.url, MessageBody: "original" })
          const received = yield* lean.receiveMessage({ QueueUrl: queue.url, WaitTimeSeconds: 0 })
          assert.strictEqual(received.Messages?.[0]?.Body, "altered")
        }).pipe(Effect.scoped)
      )
    }
  )

  layer(Verified.layerWith(LOCAL), { excludeTestServices: true })("cancellation", (it) => {
    it.effect("interrupting a call aborts its HTTP request", () =>
      Effect.gen(function* () {
        const { verifier } = yield* Verified
        const queue = yield* freshQueue("interrupted")
        const lean = yield* Lean.makeLeanActions(settingsAt(verifier.endpoint))
        const abortedBefore = verifier.aborted()
        const poll = yield* Effect.forkChild(
          lean.receiveMessage({ QueueUrl: queue.url, WaitTimeSeconds: 20 })
        )
        yield* Effect.sleep("300 millis")
        const started = Date.now()
        yield* Fiber.interrupt(poll)
        assert.isBelow(Date.now() - started, 1_000)
        // The proxy sees its client go away long before the 20 s poll would have answered.
        for (let i = 0; i < 50 && verifier.aborted() === abortedBefore; i++) yield* Effect.sleep("20 millis")
        assert.strictEqual(verifier.aborted(), abortedBefore + 1)
      }).pipe(Effect.scoped)
    )

    it.effect("loopback settings sign with the same placeholder credentials as SqsClient", () =>
      Effect.gen(function* () {
        const credentials = yield* Effect.promise(() =>
          Credentials.sourceFor({ credentials: "placeholder", region: "us-east-1" })()
        )
        assert.deepStrictEqual(credentials, LOCAL)
      })
    )
  })
})
