/**
 * Where lean requests go, compared with where the SDK sends the same request. Nothing leaves
 * this process: the SDK's request is caught by a request handler that never sends it.
 */
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { SqsConfig } from "../../src/index.ts"
import * as Endpoint from "../../src/internal/lean/endpoint.ts"
import { settingsAt } from "./fixtures.ts"

const awsSettings = (region: string): SqsConfig.SqsSettings => ({
  mode: "aws",
  endpoint: undefined,
  region,
  loopback: false,
  credentials: "aws",
  location: `AWS SQS in ${region}`,
  source: "--region",
  transport: "lean"
})

/** The lean transport's target for a request about `queueUrl`. */
const leanTarget = (settings: SqsConfig.SqsSettings, queueUrl: string) =>
  Effect.map(Effect.orDie(Endpoint.resolve(settings)), (url) => Endpoint.router(settings, url)(queueUrl))

/** Where an SQSClient with the same settings sends a receive for `queueUrl`, caught before it leaves. */
const sdkTarget = (settings: SqsConfig.SqsSettings, queueUrl: string) =>
  Effect.promise(() => {
    let caught:
      | { protocol: string; hostname: string; port?: number; path: string; host?: string | undefined }
      | undefined
    const client = new SQSClient({
      region: settings.region,
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      maxAttempts: 1,
      // The SDK warns when it switches to the queue URL's host; that is expected here.
      logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      requestHandler: {
        handle: (request: {
          protocol: string
          hostname: string
          port?: number
          path: string
          headers: Record<string, string>
        }) => {
          caught = { ...request, host: request.headers.host }
          return Promise.reject(new Error("caught before sending"))
        }
      } as never
    })
    return client
      .send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))
      .catch(() => undefined)
      .then(() => {
        client.destroy()
        return caught!
      })
  })

describe("Lean transport endpoint", () => {
  it.effect("in AWS mode, eu-west-1 posts to https://sqs.eu-west-1.amazonaws.com/", () =>
    Effect.gen(function* () {
      const settings = awsSettings("eu-west-1")
      const url = yield* Effect.orDie(Endpoint.resolve(settings))
      assert.strictEqual(url.href, "https://sqs.eu-west-1.amazonaws.com/")
      const target = Endpoint.router(settings, url)("https://sqs.eu-west-1.amazonaws.com/123456789012/orders")
      assert.deepStrictEqual(target, {
        origin: "https://sqs.eu-west-1.amazonaws.com",
        protocol: "https:",
        hostname: "sqs.eu-west-1.amazonaws.com",
        port: undefined,
        host: "sqs.eu-west-1.amazonaws.com",
        path: "/"
      })
    })
  )

  it.effect("a changed region reaches the URL the SDK's endpoint rules give, in every partition", () =>
    Effect.gen(function* () {
      const expected: Record<string, string> = {
        "us-east-1": "https://sqs.us-east-1.amazonaws.com",
        "us-west-2": "https://sqs.us-west-2.amazonaws.com",
        "ap-southeast-2": "https://sqs.ap-southeast-2.amazonaws.com",
        "cn-north-1": "https://sqs.cn-north-1.amazonaws.com.cn",
        "us-gov-west-1": "https://sqs.us-gov-west-1.amazonaws.com"
      }
      for (const [region, origin] of Object.entries(expected)) {
        const settings = awsSettings(region)
        const queueUrl = `${origin}/123456789012/orders`
        const lean = yield* leanTarget(settings, queueUrl)
        const sdk = yield* sdkTarget(settings, queueUrl)
        assert.strictEqual(lean.origin, origin, region)
        assert.deepStrictEqual(
          { protocol: lean.protocol, hostname: lean.hostname, path: lean.path, host: lean.host },
          { protocol: sdk.protocol, hostname: sdk.hostname, path: sdk.path, host: sdk.host },
          region
        )
      }
    })
  )

  it.effect("in AWS mode, a queue URL on another origin is posted to that origin, as the SDK does", () =>
    Effect.gen(function* () {
      const settings = awsSettings("us-east-1")
      const queueUrl = "https://queue.amazonaws.com/123456789012/legacy"
      const lean = yield* leanTarget(settings, queueUrl)
      const sdk = yield* sdkTarget(settings, queueUrl)
      assert.strictEqual(lean.origin, "https://queue.amazonaws.com")
      assert.deepStrictEqual(
        { hostname: lean.hostname, path: lean.path, host: lean.host },
        { hostname: sdk.hostname, path: sdk.path, host: sdk.host }
      )
    })
  )

  it.effect("an explicit endpoint is used as given, whatever host the queue URL names", () =>
    Effect.gen(function* () {
      for (const endpoint of ["http://127.0.0.1:4566", "http://localhost:9324/sqs"]) {
        const settings = settingsAt(endpoint)
        const queueUrl = "http://sqs.elsewhere.example:4566/000000000000/orders"
        const lean = yield* leanTarget(settings, queueUrl)
        const sdk = yield* sdkTarget(settings, queueUrl)
        assert.strictEqual(lean.origin, new URL(endpoint).origin)
        assert.deepStrictEqual(
          {
            protocol: lean.protocol,
            hostname: lean.hostname,
            port: lean.port,
            path: lean.path,
            host: lean.host
          },
          { protocol: sdk.protocol, hostname: sdk.hostname, port: sdk.port, path: sdk.path, host: sdk.host },
          endpoint
        )
      }
    })
  )
})
