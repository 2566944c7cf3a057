/**
 * The queue-core services for an app, from its `--endpoint`, `--region` and `--transport` flags.
 */
import { QueueServices, SqsClient, SqsConfig } from "@bgcheck/queue-core"
import { Effect, Layer, Option } from "effect"
import { ensureLocalSqs } from "./localSqs.ts"

export interface ConnectionFlags {
  readonly endpoint: Option.Option<string>
  readonly region: Option.Option<string>
  readonly transport: Option.Option<string>
}

/**
 * SqsClient, Queues and Producer for the configured endpoint. With `embedLocalSqs`, an embedded
 * local SQS is started when the settings are the local default and nothing answers there.
 */
export const layer = (flags: ConnectionFlags, options: { readonly embedLocalSqs?: boolean } = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const settings = yield* SqsConfig.resolve({
        endpoint: Option.getOrUndefined(flags.endpoint),
        region: Option.getOrUndefined(flags.region),
        transport: Option.getOrUndefined(flags.transport)
      })
      if (options.embedLocalSqs) yield* ensureLocalSqs(settings)
      return QueueServices.layerWithClient(SqsClient.layerFromSettings(settings))
    })
  )
