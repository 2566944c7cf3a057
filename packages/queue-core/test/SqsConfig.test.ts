import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { Redact, SqsConfig } from "../src/index.ts"

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
        credentials: "placeholder",
        endpointCredentials: undefined,
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

describe("SqsConfig: which endpoints get real credentials", () => {
  it.effect("knows every loopback spelling a URL can have, and signs for them with placeholders", () =>
    Effect.gen(function* () {
      for (const endpoint of [
        "http://127.0.0.1:4566",
        "http://127.1:4566",
        "http://127.200.3.4:4566",
        "http://2130706433:4566",
        "http://localhost:4566",
        "http://LOCALHOST.:4566",
        "http://[::1]:4566",
        "http://[0:0:0:0:0:0:0:1]:4566",
        "http://[::ffff:127.0.0.1]:4566",
        "http://[::ffff:7f00:2]:4566"
      ]) {
        const settings = yield* resolveWith({}, { endpoint })
        assert.deepStrictEqual([settings.loopback, settings.credentials], [true, "placeholder"], endpoint)
      }
      for (const host of [
        "10.0.0.1",
        "[::ffff:10.0.0.1]",
        "[fe80::1]",
        "localhost.example.com",
        "127.0.0.1.nip.io"
      ])
        assert.isFalse(SqsConfig.isLoopbackHost(new URL(`http://${host}`).hostname), host)
    })
  )

  it.effect("signs with the AWS credentials for AWS's own hosts only, unless told otherwise", () =>
    Effect.gen(function* () {
      const credentialsOf = (env: Record<string, string>, options: SqsConfig.SqsOptions = {}) =>
        Effect.map(resolveWith(env, options), (settings) => settings.credentials)
      assert.strictEqual(yield* credentialsOf({ AWS_REGION: "eu-west-1" }), "aws")
      for (const endpoint of [
        "https://sqs.eu-west-1.amazonaws.com",
        "https://vpce-0123-abcd.sqs.eu-west-1.vpce.amazonaws.com",
        "https://sqs-fips.us-gov-west-1.amazonaws.com",
        "https://sqs.cn-north-1.amazonaws.com.cn",
        "https://sqs.us-east-1.api.aws"
      ])
        assert.strictEqual(yield* credentialsOf({}, { endpoint }), "aws", endpoint)
      for (const endpoint of [
        "http://sqs.internal:4566",
        "https://amazonaws.com.evil.example",
        "https://sqs.us-east-1.amazonaws.com.evil.example",
        "http://10.0.0.5:9324"
      ])
        assert.strictEqual(yield* credentialsOf({}, { endpoint }), "placeholder", endpoint)
      assert.strictEqual(
        yield* credentialsOf({ SQS_ENDPOINT_CREDENTIALS: "aws" }, { endpoint: "http://sqs.internal:4566" }),
        "aws"
      )
      assert.strictEqual(
        yield* credentialsOf(
          {},
          { endpoint: "https://sqs.eu-west-1.amazonaws.com", endpointCredentials: "placeholder" }
        ),
        "placeholder"
      )
      const bad = yield* Effect.flip(resolveWith({ SQS_ENDPOINT_CREDENTIALS: "mine" }))
      assert.strictEqual(bad.message, 'SQS_ENDPOINT_CREDENTIALS must be aws or placeholder, got "mine"')
    })
  )

  it.effect("S3 follows the same rule for its own endpoint", () =>
    Effect.gen(function* () {
      const s3 = (env: Record<string, string>) =>
        Effect.flatMap(SqsConfig.resolve({}), SqsConfig.resolveS3).pipe(
          Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))),
          Effect.map((settings) => settings.credentials)
        )
      assert.strictEqual(yield* s3({ AWS_REGION: "eu-west-1" }), "aws")
      assert.strictEqual(
        yield* s3({ AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_S3: "http://minio.internal:9000" }),
        "placeholder"
      )
      assert.strictEqual(
        yield* s3({ AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_S3: "https://s3.eu-west-1.amazonaws.com" }),
        "aws"
      )
      assert.strictEqual(
        yield* s3({
          AWS_REGION: "eu-west-1",
          AWS_ENDPOINT_URL_S3: "http://minio.internal:9000",
          SQS_ENDPOINT_CREDENTIALS: "aws"
        }),
        "aws"
      )
    })
  )

  it.effect("remembers the environment's credentials, so that no text printed later carries them", () =>
    Effect.gen(function* () {
      const secret = "envSecretValue/with+odd=chars"
      const token = "envSessionTokenValue0123456789"
      yield* resolveWith({
        AWS_SECRET_ACCESS_KEY: secret,
        AWS_SESSION_TOKEN: token,
        AWS_ACCESS_KEY_ID: "probeKeyId1"
      })
      const echoed = `denied: ${secret} ${encodeURIComponent(secret)} ${JSON.stringify(token)} ${Buffer.from(token).toString("base64")} probeKeyId1`
      const redacted = Redact.redact(echoed)
      for (const value of [
        secret,
        encodeURIComponent(secret),
        token,
        Buffer.from(token).toString("base64"),
        "probeKeyId1"
      ])
        assert.notInclude(redacted, value)
      assert.strictEqual(redacted, 'denied: [redacted] [redacted] "[redacted]" [redacted] [redacted]')
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
