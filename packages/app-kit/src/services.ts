/**
 * The queue-core services for an app, from its `--endpoint`, `--region` and `--transport` flags.
 */
import { type LargePayloads, QueueServices, SqsClient, SqsConfig } from "@bgcheck/queue-core"
import { Effect, Layer, Option } from "effect"
import { ensureLocalSqs } from "./localSqs.ts"

export interface ConnectionFlags {
  readonly endpoint: Option.Option<string>
  readonly region: Option.Option<string>
  readonly transport: Option.Option<string>
}

export interface Options {
  readonly embedLocalSqs?: boolean
  /** The producer stores bodies over SQS's limit in S3 (`--payload-bucket`). */
  readonly payloads?: LargePayloads.Options | undefined
  /** The buckets whose objects pointers may name (the consumer's `--payload-bucket`). */
  readonly payloadBuckets?: ReadonlyArray<string> | undefined
}

/**
 * SqsClient, Queues, Producer and PayloadStore (S3 on the same endpoint rules) for the configured
 * endpoint. With `embedLocalSqs`, an embedded local SQS is started when the settings are the
 * local default and nothing answers there.
 */
export const layer = (flags: ConnectionFlags, options: Options = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const settings = yield* SqsConfig.resolve({
        endpoint: Option.getOrUndefined(flags.endpoint),
        region: Option.getOrUndefined(flags.region),
        transport: Option.getOrUndefined(flags.transport)
      })
      if (options.embedLocalSqs) yield* ensureLocalSqs(settings)
      return QueueServices.layerWithClient(SqsClient.layerFromSettings(settings), {
        producer: { payloads: options.payloads },
        payloadStore: { buckets: options.payloadBuckets }
      })
    })
  )
