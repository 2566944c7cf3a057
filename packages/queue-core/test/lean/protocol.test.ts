/**
 * Error answers as SQS (or something in front of it) may send them, canned by a loopback server,
 * read by the SDK and by the lean transport: the same reasons, codes and messages.
 */
import { createServer } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqsClient, type SqsError } from "../../src/index.ts"
import * as Lean from "../../src/internal/lean/transport.ts"
import { noRetry } from "../fixtures.ts"
import { settingsAt } from "./fixtures.ts"

interface Canned {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body: string
  /** Sent without a content-length, in pieces, so that only reading tells its length. */
  readonly chunked?: boolean
}

const json = (status: number, queryError: string | undefined, type: string, message = "told so") => ({
  status,
  headers: {
    "content-type": "application/x-amz-json-1.0",
    ...(queryError === undefined ? {} : { "x-amzn-query-error": queryError })
  },
  body: JSON.stringify({ __type: type, message })
})

const CASES: Record<string, Canned> = {
  "queue missing": json(
    400,
    "AWS.SimpleQueueService.NonExistentQueue;Sender",
    "com.amazonaws.sqs#QueueDoesNotExist"
  ),
  "KMS throttling": json(400, "KMS.ThrottlingException;Sender", "com.amazonaws.sqs#KmsThrottled"),
  "KMS access denied": json(400, "KMS.AccessDeniedException;Sender", "com.amazonaws.sqs#KmsAccessDenied"),
  "unknown key": json(403, "InvalidClientTokenId;Sender", "com.amazon.coral.service#InvalidClientTokenId"),
  "access denied": json(403, "AccessDenied;Sender", "com.amazon.coral.service#AccessDeniedException"),
  "expired token": json(400, "ExpiredToken;Sender", "com.amazon.coral.service#ExpiredTokenException"),
  "over limit": json(403, "OverLimit;Sender", "com.amazonaws.sqs#OverLimit"),
  "invalid handle": json(404, "ReceiptHandleIsInvalid;Sender", "com.amazonaws.sqs#ReceiptHandleIsInvalid"),
  "too many entries": json(
    400,
    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender",
    "com.amazonaws.sqs#TooManyEntriesInBatchRequest"
  ),
  "modeled, no query header": json(400, undefined, "com.amazonaws.sqs#InvalidMessageContents"),
  "unmodeled, no query header": json(400, undefined, "com.amazonaws.sqs#InvalidParameterValue"),
  "internal error": json(500, "InternalError;Receiver", "com.amazonaws.sqs#InternalError"),
  "unavailable, empty body": { status: 503, body: "" },
  "a proxy's HTML": {
    status: 502,
    headers: { "content-type": "text/html" },
    body: "<html>Bad Gateway</html>"
  },
  "a proxy's HTML refusal": {
    status: 403,
    headers: { "content-type": "text/html" },
    body: "<html>Forbidden</html>"
  },
  "error type header only": {
    status: 400,
    headers: { "x-amzn-errortype": "InvalidParameterValue:http://internal.amazon.com/coral/" },
    body: "{}"
  },
  "a secret echoed back": json(
    403,
    "SignatureDoesNotMatch;Sender",
    "com.amazonaws.sqs#SignatureDoesNotMatch",
    "The canonical request was 'x-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLE' Credential=AKIAIOSFODNN7EXAMPLE/20261129"
  )
}

/** A loopback server answering every request with `current`. */
const cannedServer = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ endpoint: string; answer: (canned: Canned) => void; close: () => void }>((resolve) => {
        let current: Canned = { status: 200, body: "{}" }
        const server = createServer((request, response) => {
          request.resume()
          request.on("end", () => {
            response.writeHead(current.status, current.headers)
            if (current.chunked !== true) return response.end(current.body)
            const body = Buffer.from(current.body)
            for (let at = 0; at < body.length; at += 1 << 20)
              response.write(body.subarray(at, at + (1 << 20)))
            response.end()
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as { port: number }
          resolve({
            endpoint: `http://127.0.0.1:${port}`,
            answer: (canned) => {
              current = canned
            },
            close: () => {
              server.closeAllConnections()
              server.close()
            }
          })
        })
      })
  ),
  (server) => Effect.sync(() => server.close())
)

/** A reason as callers see it. The SDK adds a line to a body it cannot parse, about a field only it has. */
const reasonOf = (error: SqsError.SqsError) => ({
  tag: error.reason._tag,
  code: (error.reason as { code?: string }).code,
  retryable: error.isRetryable,
  message: error.message.split("\n  Deserialization error:")[0]
})

describe("Lean transport error answers", () => {
  it.live("reads every canned error answer as the SDK reads it", () =>
    Effect.gen(function* () {
      const server = yield* cannedServer
      const sdk = yield* Effect.orDie(SqsClient.make({ endpoint: server.endpoint, retrySchedule: noRetry }))
      const lean = yield* Lean.makeLeanActions(settingsAt(server.endpoint))
      const QueueUrl = `${server.endpoint}/000000000000/q`
      for (const [name, canned] of Object.entries(CASES)) {
        server.answer(canned)
        const viaSdk = reasonOf(yield* Effect.flip(sdk.deleteMessageBatch({ QueueUrl, Entries: [] })))
        const viaLean = reasonOf(yield* Effect.flip(lean.deleteMessageBatch({ QueueUrl, Entries: [] })))
        assert.deepStrictEqual(viaLean, viaSdk, name)
      }
    }).pipe(Effect.scoped)
  )

  it.live(
    "a 200 answer that is not a JSON object fails as an invalid response naming the status and what to check, not retried as a send",
    () =>
      Effect.gen(function* () {
        const server = yield* cannedServer
        const sdk = yield* Effect.orDie(SqsClient.make({ endpoint: server.endpoint, retrySchedule: noRetry }))
        const lean = yield* Lean.makeLeanActions(settingsAt(server.endpoint))
        const QueueUrl = `${server.endpoint}/000000000000/q`
        for (const body of ["<html>hello</html>", "null", "[1]"]) {
          server.answer({ status: 200, headers: { "content-type": "application/x-amz-json-1.0" }, body })
          const viaLean = yield* Effect.flip(lean.sendMessage({ QueueUrl, MessageBody: "x" }))
          const viaSdk = yield* Effect.flip(sdk.sendMessage({ QueueUrl, MessageBody: "x" }))
          assert.deepStrictEqual(reasonOf(viaLean), reasonOf(viaSdk), body)
          assert.strictEqual(
            viaLean.message,
            `the endpoint at ${server.endpoint} answered HTTP 200 with a body that is not SQS's JSON: check that it is SQS, not a proxy or a web server`
          )
          assert.notMatch(viaLean.message, /SyntaxError|Unexpected token/)
          assert.isFalse(viaLean.isRetryable)
          // It answered as if it succeeded: the message may be stored.
          assert.isTrue(viaLean.mayHaveReachedSqs)
        }
      }).pipe(Effect.scoped)
  )

  it.live("a 500 with a web page is a retryable invalid response, said in one line with the status", () =>
    Effect.gen(function* () {
      const server = yield* cannedServer
      const sdk = yield* Effect.orDie(SqsClient.make({ endpoint: server.endpoint, retrySchedule: noRetry }))
      const lean = yield* Lean.makeLeanActions(settingsAt(server.endpoint))
      const QueueUrl = `${server.endpoint}/000000000000/q`
      server.answer({
        status: 500,
        headers: { "content-type": "text/html" },
        body: "<html><h1>500</h1></html>"
      })
      for (const error of [
        yield* Effect.flip(lean.receiveMessage({ QueueUrl })),
        yield* Effect.flip(sdk.getQueueUrl({ QueueName: "q" }))
      ]) {
        assert.strictEqual(error.reason._tag, "InvalidResponse")
        assert.strictEqual(
          error.message,
          `the endpoint at ${server.endpoint} answered HTTP 500 with a body that is not SQS's JSON: check that it is SQS, not a proxy or a web server`
        )
        assert.isTrue(error.isRetryable)
      }
    }).pipe(Effect.scoped)
  )

  it.live("an answer longer than any SQS answer is an error, not read to its end, on both transports", () =>
    Effect.gen(function* () {
      const server = yield* cannedServer
      const sdk = yield* Effect.orDie(
        SqsClient.make({ endpoint: server.endpoint, retrySchedule: noRetry, transport: "sdk" })
      )
      const lean = yield* Lean.makeLeanActions(settingsAt(server.endpoint))
      const QueueUrl = `${server.endpoint}/000000000000/q`
      // 50 MB: more than ten messages of 1 MiB could ever take, even escaped.
      const huge = JSON.stringify({ Messages: [{ MessageId: "m", Body: "x".repeat(50_000_000) }] })
      const MiB = 1024 * 1024
      for (const declared of [true, false]) {
        server.answer({
          status: 200,
          headers: { "content-type": "application/x-amz-json-1.0" },
          body: huge,
          chunked: !declared
        })
        for (const [error, limit] of [
          [yield* Effect.flip(lean.receiveMessage({ QueueUrl })), 31 * MiB],
          [yield* Effect.flip(sdk.receiveMessage({ QueueUrl })), 31 * MiB],
          [yield* Effect.flip(lean.sendMessage({ QueueUrl, MessageBody: "x" })), MiB],
          [yield* Effect.flip(sdk.sendMessage({ QueueUrl, MessageBody: "x" })), MiB]
        ] as const) {
          assert.strictEqual(error.reason._tag, "InvalidResponse")
          assert.strictEqual(
            error.message,
            `the endpoint at ${server.endpoint} answered HTTP 200 with more than ${limit} bytes, more than SQS sends: check that it is SQS, not a proxy or a web server`
          )
        }
      }
    }).pipe(Effect.scoped)
  )
})
