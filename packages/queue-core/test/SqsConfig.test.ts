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

describe("SqsConfig.resolveS3", () => {
  /** Where S3 calls go for the SQS settings the same environment gives. */
  const s3With = (env: Record<string, string>, options: SqsConfig.SqsOptions = {}) =>
    Effect.flatMap(SqsConfig.resolve(options), SqsConfig.resolveS3).pipe(
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
    )

  it.effect("uses a loopback SQS endpoint for S3 too (the local SQS serves both), path-style", () =>
    Effect.gen(function* () {
      const local = yield* s3With({})
      assert.strictEqual(local.endpoint, SqsConfig.LOCAL_ENDPOINT)
      assert.isTrue(local.loopback)
      assert.isTrue(local.forcePathStyle)
      const explicit = yield* s3With({ SQS_ENDPOINT: "http://127.0.0.1:9324" })
      assert.strictEqual(explicit.endpoint, "http://127.0.0.1:9324")
    })
  )

  it.effect("AWS_ENDPOINT_URL_S3 wins, as in the SDK", () =>
    Effect.gen(function* () {
      const s3 = yield* s3With({
        SQS_ENDPOINT: "http://127.0.0.1:9324",
        AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000"
      })
      assert.strictEqual(s3.endpoint, "http://127.0.0.1:9000")
      assert.strictEqual(s3.source, "AWS_ENDPOINT_URL_S3")
      const bad = yield* Effect.flip(s3With({ AWS_ENDPOINT_URL_S3: "s3.example" }))
      assert.include(bad.message, "AWS_ENDPOINT_URL_S3 must be an http(s) URL")
    })
  )

  it.effect("real S3 in the SQS region; a non-loopback SQS endpoint (a VPC endpoint) is not reused", () =>
    Effect.gen(function* () {
      const aws = yield* s3With({ AWS_REGION: "eu-west-1" })
      assert.deepStrictEqual(
        {
          endpoint: aws.endpoint,
          region: aws.region,
          forcePathStyle: aws.forcePathStyle,
          loopback: aws.loopback
        },
        { endpoint: undefined, region: "eu-west-1", forcePathStyle: false, loopback: false }
      )
      assert.strictEqual(aws.location, "AWS S3 in eu-west-1")
      const vpc = yield* s3With({
        AWS_REGION: "eu-west-1",
        SQS_ENDPOINT: "https://vpce-0123-abcd.sqs.eu-west-1.vpce.amazonaws.com"
      })
      assert.isUndefined(vpc.endpoint)
      const shared = yield* s3With({ AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL: "https://gateway.example" })
      assert.strictEqual(shared.endpoint, "https://gateway.example")
    })
  )
})
