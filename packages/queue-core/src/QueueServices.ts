/**
 * The services most programs need, in one layer: `SqsClient`, `Queues`, `Producer`, and the
 * `PayloadStore` that large messages (stored in S3) need; it connects only when one comes.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import * as LargePayloads from "./LargePayloads.ts"
import * as PayloadStore from "./PayloadStore.ts"
import * as Producer from "./Producer.ts"
import * as Queues from "./Queues.ts"
import * as SqsClient from "./SqsClient.ts"
import type * as SqsConfig from "./SqsConfig.ts"

/**
 * @category models
 */
export type Services = SqsClient.SqsClient | Queues.Queues | Producer.Producer | PayloadStore.PayloadStore

/**
 * @category models
 */
export interface Options {
  readonly producer?: Producer.Options | undefined
  /**
   * Where large bodies live, and which pointers consumers follow (`buckets`): the producer's
   * payload bucket is always one of them.
   */
  readonly payloadStore?: PayloadStore.Options | undefined
}

/**
 * The store's options, with the producer's own bucket among those it reads (when it is a bucket
 * name at all: the producer says what is wrong with it otherwise).
 */
const storeOptions = (options: Options): PayloadStore.Options => {
  const own = options.producer?.payloads?.bucket
  const buckets = options.payloadStore?.buckets ?? []
  return {
    ...options.payloadStore,
    buckets:
      own === undefined || !LargePayloads.isBucketName(own) || buckets.includes(own)
        ? buckets
        : [...buckets, own]
  }
}

/**
 * Queues, Producer and PayloadStore over the given client layer.
 *
 * @category layers
 */
export const layerWithClient = <E, R>(
  client: Layer.Layer<SqsClient.SqsClient, E, R>,
  options: Options = {}
): Layer.Layer<Services, E | SqsConfig.InvalidSqsConfig | LargePayloads.InvalidPayloadOptions, R> =>
  Producer.layerWith(options.producer ?? {}).pipe(
    Layer.provideMerge(Queues.layer),
    Layer.provideMerge(PayloadStore.layer(storeOptions(options))),
    Layer.provideMerge(client)
  )

/**
 * All of them, for the endpoint the options and environment give (see `SqsConfig`).
 *
 * @category layers
 */
export const layer = (
  options: SqsClient.Options & Options = {}
): Layer.Layer<Services, SqsConfig.InvalidSqsConfig | LargePayloads.InvalidPayloadOptions> =>
  layerWithClient(SqsClient.layer(options), options)
