/**
 * Queues by name, URL or ARN: resolved and cached for a while, listed, described and created.
 *
 * A name is looked up in the client's region; a URL is used exactly as given; an ARN is looked up
 * in its own account, and must be in the client's region. A reference the client cannot reach as
 * given (another region, an Amazon SQS URL while requests go to a local endpoint, ...) is refused
 * with a message saying what to change, before any request. Lookups are cached for
 * `timeToLive` (default 5 minutes), so that changed queue attributes are seen; failed lookups are
 * not cached, and concurrent lookups of one queue share one request.
 *
 * @since 0.1.0
 */
import type { QueueAttributeName } from "@aws-sdk/client-sqs"
import { Cache, Context, Duration, Effect, Exit, Layer, Option, Schema } from "effect"
import * as QueueRef from "./QueueRef.ts"
import { SqsClient } from "./SqsClient.ts"
import type { SqsError } from "./SqsError.ts"

/**
 * A resolved queue, with the attributes that shape how messages are sent and received.
 *
 * @category models
 */
export interface Queue {
  readonly name: string
  readonly url: string
  readonly arn: string
  readonly fifo: boolean
  readonly contentBasedDeduplication: boolean
  /** Largest body (plus attributes) the queue accepts, in bytes. */
  readonly maximumMessageSize: number
  readonly visibilityTimeout: Duration.Duration
  readonly redrivePolicy: Option.Option<RedrivePolicy>
}

/**
 * @category models
 */
export interface RedrivePolicy {
  readonly deadLetterTargetArn: string
  readonly maxReceiveCount: number
}

/**
 * A queue with its current message counts.
 *
 * @category models
 */
export interface QueueDescription extends Queue {
  readonly visible: number
  readonly inFlight: number
  readonly delayed: number
}

/**
 * What `create` makes: a queue and, optionally, a dead-letter queue it redrives to.
 *
 * @category models
 */
export interface CreateOptions {
  /** A name ending in `.fifo` makes a FIFO queue. */
  readonly name: string
  readonly visibilityTimeout?: Duration.Input | undefined
  readonly contentBasedDeduplication?: boolean | undefined
  /** Creates `<name>-dlq` (FIFO: `<name>-dlq.fifo`) and moves messages there after this many receives. */
  readonly deadLetter?: { readonly maxReceiveCount: number } | undefined
  readonly attributes?: Readonly<Record<string, string>> | undefined
}

/**
 * @category services
 */
export class Queues extends Context.Service<
  Queues,
  {
    /** Resolves a name, URL or ARN to the queue; later calls are answered from a cache for a while. */
    readonly resolve: (ref: string) => Effect.Effect<Queue, SqsError | QueueRef.InvalidQueueRef>
    /** Queue URLs, optionally only those whose name starts with `prefix`. */
    readonly list: (prefix?: string) => Effect.Effect<ReadonlyArray<string>, SqsError>
    /** The queue and its current message counts (approximate, as SQS reports them). */
    readonly describe: (ref: string) => Effect.Effect<QueueDescription, SqsError | QueueRef.InvalidQueueRef>
    /** Creates the queue (and its dead-letter queue); succeeds if it already exists with the same attributes. */
    readonly create: (options: CreateOptions) => Effect.Effect<Queue, SqsError | QueueRef.InvalidQueueRef>
    /** Deletes every message in the queue (SQS allows one purge a minute per queue). */
    readonly purge: (ref: string) => Effect.Effect<void, SqsError | QueueRef.InvalidQueueRef>
  }
>()("@bgcheck/queue-core/Queues") {}

const STATIC_ATTRIBUTES: Array<QueueAttributeName> = [
  "QueueArn",
  "FifoQueue",
  "ContentBasedDeduplication",
  "MaximumMessageSize",
  "VisibilityTimeout",
  "RedrivePolicy"
]

const COUNT_ATTRIBUTES: Array<QueueAttributeName> = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed"
]

const DEFAULT_MAXIMUM_MESSAGE_SIZE = 1_048_576

const RedrivePolicyJson = Schema.fromJsonString(
  Schema.Struct({
    deadLetterTargetArn: Schema.String,
    maxReceiveCount: Schema.Union([Schema.Finite, Schema.NumberFromString])
  })
)

const toNumber = (value: string | undefined, fallback: number): number => {
  const parsed = Number(value)
  return value === undefined || !Number.isFinite(parsed) ? fallback : parsed
}

const toQueue = (name: string, url: string, attributes: Record<string, string>): Queue => ({
  name,
  url,
  arn: attributes.QueueArn ?? "",
  fifo: attributes.FifoQueue === "true",
  contentBasedDeduplication: attributes.ContentBasedDeduplication === "true",
  maximumMessageSize: toNumber(attributes.MaximumMessageSize, DEFAULT_MAXIMUM_MESSAGE_SIZE),
  visibilityTimeout: Duration.seconds(toNumber(attributes.VisibilityTimeout, 30)),
  redrivePolicy:
    attributes.RedrivePolicy === undefined
      ? Option.none()
      : Option.map(Schema.decodeUnknownOption(RedrivePolicyJson)(attributes.RedrivePolicy), (policy) => ({
          deadLetterTargetArn: policy.deadLetterTargetArn,
          maxReceiveCount: Number(policy.maxReceiveCount)
        }))
})

const deadLetterName = (name: string) =>
  QueueRef.isFifoName(name) ? `${name.slice(0, -".fifo".length)}-dlq.fifo` : `${name}-dlq`

/**
 * @category models
 */
export interface Options {
  /** How long a resolved queue is kept before it is looked up again (default 5 minutes). */
  readonly timeToLive?: Duration.Input | undefined
}

/**
 * Queues with a time to live of its own.
 *
 * @category constructors
 */
export const makeWith = (options: Options) =>
  Effect.gen(function* () {
    const sqs = yield* SqsClient
    const timeToLive = Duration.fromInputUnsafe(options.timeToLive ?? "5 minutes")

    const parse = (ref: string) => {
      const parsed = QueueRef.parse(ref)
      if (parsed._tag === "InvalidQueueRef") return Effect.fail(parsed)
      const refused = QueueRef.unreachable(parsed, sqs.settings)
      return refused === undefined ? Effect.succeed(parsed) : Effect.fail(refused)
    }

    const urlOf = (ref: QueueRef.QueueRef): Effect.Effect<string, SqsError> =>
      ref._tag === "Url"
        ? Effect.succeed(ref.url)
        : sqs
            .getQueueUrl({
              QueueName: ref.name,
              ...(ref._tag === "Arn" ? { QueueOwnerAWSAccountId: ref.accountId } : {})
            })
            .pipe(Effect.map((output) => output.QueueUrl ?? ""))

    const attributesOf = (url: string, names: Array<QueueAttributeName>) =>
      sqs
        .getQueueAttributes({ QueueUrl: url, AttributeNames: names })
        .pipe(Effect.map((output) => output.Attributes ?? {}))

    const lookup = (input: string): Effect.Effect<Queue, SqsError | QueueRef.InvalidQueueRef> =>
      Effect.gen(function* () {
        const ref = yield* parse(input)
        const url = yield* urlOf(ref)
        const queue = toQueue(ref.name, url, yield* attributesOf(url, STATIC_ATTRIBUTES))
        // Later references by URL (what a consumer passes around) are answered from the cache too.
        if (url !== input) yield* Cache.set(cache, url, queue)
        return queue
      })

    const cache = yield* Cache.makeWith(lookup, {
      capacity: 1_000,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? timeToLive : Duration.zero)
    })

    const resolve = (input: string) => Cache.get(cache, input)

    const list = Effect.fnUntraced(function* (prefix?: string) {
      const urls: Array<string> = []
      let nextToken: string | undefined
      do {
        const page = yield* sqs.listQueues({
          ...(prefix === undefined ? {} : { QueueNamePrefix: prefix }),
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          MaxResults: 1000
        })
        urls.push(...(page.QueueUrls ?? []))
        nextToken = page.NextToken
      } while (nextToken !== undefined)
      return urls
    })

    const describe = Effect.fnUntraced(function* (ref: string) {
      const queue = yield* resolve(ref)
      const counts = yield* attributesOf(queue.url, COUNT_ATTRIBUTES)
      return {
        ...queue,
        visible: toNumber(counts.ApproximateNumberOfMessages, 0),
        inFlight: toNumber(counts.ApproximateNumberOfMessagesNotVisible, 0),
        delayed: toNumber(counts.ApproximateNumberOfMessagesDelayed, 0)
      }
    })

    const createOne = (name: string, attributes: Record<string, string>) =>
      sqs
        .createQueue({ QueueName: name, Attributes: attributes })
        .pipe(Effect.map((output) => output.QueueUrl ?? ""))

    const create = Effect.fnUntraced(function* (options: CreateOptions) {
      const ref = yield* parse(options.name)
      const fifo = QueueRef.isFifoName(ref.name)
      const base: Record<string, string> = {
        ...(fifo ? { FifoQueue: "true" } : {}),
        ...(fifo && options.contentBasedDeduplication ? { ContentBasedDeduplication: "true" } : {}),
        ...(options.visibilityTimeout === undefined
          ? {}
          : {
              VisibilityTimeout: String(
                Math.round(Duration.toSeconds(Duration.fromInputUnsafe(options.visibilityTimeout)))
              )
            }),
        ...options.attributes
      }
      if (options.deadLetter !== undefined) {
        const dlqUrl = yield* createOne(deadLetterName(ref.name), fifo ? { FifoQueue: "true" } : {})
        const dlqArn = (yield* attributesOf(dlqUrl, ["QueueArn"])).QueueArn ?? ""
        base.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.deadLetter.maxReceiveCount
        })
      }
      const url = yield* createOne(ref.name, base)
      return yield* resolve(url)
    })

    const purge = (ref: string) =>
      Effect.flatMap(resolve(ref), (queue) => Effect.asVoid(sqs.purgeQueue({ QueueUrl: queue.url })))

    return Queues.of({ resolve, list, describe, create, purge })
  })

/**
 * @category constructors
 */
export const make: Effect.Effect<Queues["Service"], never, SqsClient> = makeWith({})

/**
 * @category layers
 */
export const layer: Layer.Layer<Queues, never, SqsClient> = Layer.effect(Queues, make)

/**
 * Queues with a time to live of its own.
 *
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<Queues, never, SqsClient> =>
  Layer.effect(Queues, makeWith(options))
