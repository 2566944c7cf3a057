import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { SqsConfig } from "../src/index.ts"

// The SDK reads the shared config file itself; keep a developer's ~/.aws out of these tests.
process.env.AWS_CONFIG_FILE = "/nonexistent/aws-config"
process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/aws-credentials"

const resolveWith = (env: Record<string, string>, options: SqsConfig.SqsOptions = {}) =>
  SqsConfig.resolve(options).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))

describe("SqsConfig.resolve", () => {
  it.effect("uses the local default, on loopback, when nothing is configured", () =>
    Effect.gen(function* () {
      const settings = yield* resolveWith({})
      assert.deepStrictEqual(settings, {
        mode: "local",
        endpoint: "http://127.0.0.1:4566",
        region: "us-east-1",
        loopback: true,
        location: "http://127.0.0.1:4566",
        source: "the local default",
        transport: "lean"
      })
    })
  )

  it.effect("takes the transport from the option, else SQS_TRANSPORT, and refuses an unknown one", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* resolveWith({ SQS_TRANSPORT: "sdk" })).transport, "sdk")
      assert.strictEqual(
        (yield* resolveWith({ SQS_TRANSPORT: "sdk" }, { transport: "LEAN" })).transport,
        "lean"
      )
      const error = yield* Effect.flip(resolveWith({ SQS_TRANSPORT: "fast" }))
      assert.strictEqual(error.message, 'SQS_TRANSPORT must be lean or sdk, got "fast"')
    })
  )

  it.effect("uses real AWS in the configured region, with no endpoint override", () =>
    Effect.gen(function* () {
      const settings = yield* resolveWith({ AWS_REGION: "us-west-2" })
      assert.strictEqual(settings.mode, "aws")
      assert.isUndefined(settings.endpoint)
      assert.strictEqual(settings.region, "us-west-2")
      assert.isFalse(settings.loopback)
      assert.strictEqual(settings.location, "AWS SQS in us-west-2")
    })
  )

  it.effect(
    "prefers an explicit endpoint to a region: option, then SQS_ENDPOINT, then the SDK's variables",
    () =>
      Effect.gen(function* () {
        const env = {
          AWS_REGION: "eu-west-1",
          SQS_ENDPOINT: "http://127.0.0.1:1111",
          AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:2222",
          AWS_ENDPOINT_URL: "http://127.0.0.1:3333"
        }
        assert.strictEqual(
          (yield* resolveWith(env, { endpoint: "http://localhost:9324/" })).endpoint,
          "http://localhost:9324"
        )
        assert.strictEqual((yield* resolveWith(env)).source, "SQS_ENDPOINT")
        const { SQS_ENDPOINT: _, ...withoutOurs } = env
        assert.strictEqual((yield* resolveWith(withoutOurs)).endpoint, "http://127.0.0.1:2222")
        const explicit = yield* resolveWith({ AWS_ENDPOINT_URL: "https://sqs.vpce.example.com" })
        assert.deepStrictEqual(
          [explicit.mode, explicit.loopback, explicit.region],
          ["explicit", false, "us-east-1"]
        )
      })
  )

  it.effect("rejects an endpoint that is not an http(s) URL and a malformed region, naming the source", () =>
    Effect.gen(function* () {
      const badEndpoint = yield* Effect.flip(resolveWith({ SQS_ENDPOINT: "localhost:4566" }))
      assert.strictEqual(
        badEndpoint.message,
        'SQS_ENDPOINT must be an http(s) URL such as http://127.0.0.1:4566, got "localhost:4566"'
      )
      const badRegion = yield* Effect.flip(resolveWith({}, { region: "Oregon" }))
      assert.strictEqual(badRegion.message, '--region must be an AWS region such as us-west-2, got "Oregon"')
    })
  )
})
