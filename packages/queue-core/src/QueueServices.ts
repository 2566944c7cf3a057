/**
 * The three services most programs need, in one layer: `SqsClient`, `Queues` and `Producer`.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import * as Producer from "./Producer.ts"
import * as Queues from "./Queues.ts"
import * as SqsClient from "./SqsClient.ts"
import type * as SqsConfig from "./SqsConfig.ts"

/**
 * @category models
 */
export type Services = SqsClient.SqsClient | Queues.Queues | Producer.Producer

/**
 * Queues and Producer over the given client layer.
 *
 * @category layers
 */
export const layerWithClient = <E, R>(
  client: Layer.Layer<SqsClient.SqsClient, E, R>
): Layer.Layer<Services, E, R> =>
  Producer.layer.pipe(Layer.provideMerge(Queues.layer), Layer.provideMerge(client))

/**
 * All three, for the endpoint the options and environment give (see `SqsConfig`).
 *
 * @category layers
 */
export const layer = (options: SqsClient.Options = {}): Layer.Layer<Services, SqsConfig.InvalidSqsConfig> =>
  layerWithClient(SqsClient.layer(options))
