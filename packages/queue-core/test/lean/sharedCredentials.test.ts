/**
 * One credential source for SQS (both transports) and S3 when both sign with AWS credentials:
 * the payload store built by `QueueServices` asks the SQS client's source, not a chain of its own.
 */
import { start } from "@bgcheck/local-sqs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { PayloadStore, QueueServices, SqsClient } from "../../src/index.ts"
import { uniqueName } from "../fixtures.ts"
import { settingsAt } from "./fixtures.ts"

describe("Shared credentials", () => {
  it.effect("SQS calls (lean and SDK) and S3 calls sign with the one source the SQS client was given", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(
        Effect.promise(() => start()),
        (server) => Effect.promise(() => server.stop())
      )
      const bucket = uniqueName("shared").toLowerCase()
      server.createBucket(bucket)
      const asked: Array<string> = []
      const source = () => {
        asked.push("asked")
        return Promise.resolve({ accessKeyId: "AKIDSHARED", secretAccessKey: "shared-secret" })
      }
      // A loopback endpoint asked to sign with AWS credentials, which S3 follows.
      const settings = {
        ...settingsAt(server.endpoint),
        credentials: "aws",
        endpointCredentials: "aws"
      } as const
      const services = QueueServices.layerWithClient(
        SqsClient.layerFromSettings(settings, { sdk: { credentials: source } }),
        { payloadStore: { buckets: [bucket] } }
      )
      yield* Effect.gen(function* () {
        const sqs = yield* SqsClient.SqsClient
        const store = yield* PayloadStore.PayloadStore
        assert.strictEqual(store.settings.credentials, "aws")
        const { QueueUrl } = yield* sqs.createQueue({ QueueName: uniqueName("shared") })
        yield* sqs.sendMessage({ QueueUrl: QueueUrl!, MessageBody: "x" })
        const before = asked.length
        assert.isAbove(before, 0)
        yield* store.put({ bucket, key: "k" }, "body")
        assert.isAbove(asked.length, before, "S3 asked the SQS client's source")
        assert.strictEqual(yield* store.get({ bucket, key: "k" }, 4), "body")
      }).pipe(Effect.provide(Layer.fresh(services)))
    }).pipe(Effect.scoped)
  )
})
