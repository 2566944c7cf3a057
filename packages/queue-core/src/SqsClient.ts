/**
 * The SQS client as a scoped Effect service.
 *
 * Every call is cancellable (interrupting the fiber aborts its HTTP request), fails with a typed
 * `SqsError`, and is retried under `retrySchedule` while its error is retryable. The SDK's own
 * retries are off so that there is one retry policy, visible and testable. ReceiveMessage is the
 * exception: it is never retried here, because whoever polls (the consumer's poll loop) has its
 * own schedule, and a retry inside a poll would multiply with it and delay shutdown.
 *
 * This service is also the seam of the hot path: receive, delete, visibility and send batches all
 * go through it, so a leaner request path can replace the SDK here without touching the engine.
 *
 * @since 0.1.0
 */
import {
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchCommandInput,
  type ChangeMessageVisibilityBatchCommandOutput,
  CreateQueueCommand,
  type CreateQueueCommandInput,
  type CreateQueueCommandOutput,
  DeleteMessageBatchCommand,
  type DeleteMessageBatchCommandInput,
  type DeleteMessageBatchCommandOutput,
  GetQueueAttributesCommand,
  type GetQueueAttributesCommandInput,
  type GetQueueAttributesCommandOutput,
  GetQueueUrlCommand,
  type GetQueueUrlCommandInput,
  type GetQueueUrlCommandOutput,
  ListQueuesCommand,
  type ListQueuesCommandInput,
  type ListQueuesCommandOutput,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  type ReceiveMessageCommandOutput,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  SendMessageCommand,
  type SendMessageCommandInput,
  type SendMessageCommandOutput,
  SQSClient,
  type SQSClientConfig
} from "@aws-sdk/client-sqs"
import { Context, Effect, Layer, Metric, type Schedule, type Scope } from "effect"
import * as Schedules from "./Schedules.ts"
import * as SqsConfig from "./SqsConfig.ts"
import { classify, SqsError } from "./SqsError.ts"
import * as SqsMetrics from "./SqsMetrics.ts"

/**
 * Transient failures (unreachable endpoint, throttling, 5xx) are retried after 100 ms, 200 ms,
 * 400 ms, 800 ms (jittered), then the error is returned to the caller. Receives are not retried
 * (see above).
 *
 * @category schedules
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, SqsError> = Schedules.request

/**
 * The SQS actions this project uses, each as an Effect.
 *
 * @category models
 */
export interface Actions {
  readonly getQueueUrl: (input: GetQueueUrlCommandInput) => Effect.Effect<GetQueueUrlCommandOutput, SqsError>
  readonly getQueueAttributes: (
    input: GetQueueAttributesCommandInput
  ) => Effect.Effect<GetQueueAttributesCommandOutput, SqsError>
  readonly listQueues: (input: ListQueuesCommandInput) => Effect.Effect<ListQueuesCommandOutput, SqsError>
  readonly createQueue: (input: CreateQueueCommandInput) => Effect.Effect<CreateQueueCommandOutput, SqsError>
  readonly sendMessage: (input: SendMessageCommandInput) => Effect.Effect<SendMessageCommandOutput, SqsError>
  readonly sendMessageBatch: (
    input: SendMessageBatchCommandInput
  ) => Effect.Effect<SendMessageBatchCommandOutput, SqsError>
  readonly receiveMessage: (
    input: ReceiveMessageCommandInput
  ) => Effect.Effect<ReceiveMessageCommandOutput, SqsError>
  readonly deleteMessageBatch: (
    input: DeleteMessageBatchCommandInput
  ) => Effect.Effect<DeleteMessageBatchCommandOutput, SqsError>
  readonly changeMessageVisibilityBatch: (
    input: ChangeMessageVisibilityBatchCommandInput
  ) => Effect.Effect<ChangeMessageVisibilityBatchCommandOutput, SqsError>
}

/**
 * @category services
 */
export class SqsClient extends Context.Service<
  SqsClient,
  Actions & {
    /** Where the calls go and how that was decided. */
    readonly settings: SqsConfig.SqsSettings
  }
>()("@bgcheck/queue-core/SqsClient") {}

/**
 * @category models
 */
export interface Options extends SqsConfig.SqsOptions {
  /** How transient failures are retried; `defaultRetrySchedule` unless given. */
  readonly retrySchedule?: Schedule.Schedule<unknown, SqsError> | undefined
  /** Extra SDK settings (for example a custom request handler). */
  readonly sdk?: Partial<SQSClientConfig> | undefined
}

/** Placeholder credentials for servers on this machine, which do not check signatures. */
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" }

/** The queue a request is about, for error messages. */
const queueOf = (input: object): string | undefined => {
  const { QueueName, QueueUrl } = input as { QueueName?: string; QueueUrl?: string }
  return QueueName ?? QueueUrl?.split("/").pop()
}

/**
 * Builds the service over an existing SDK client.
 *
 * @category constructors
 */
export const fromClient = (
  client: SQSClient,
  settings: SqsConfig.SqsSettings,
  retrySchedule: Schedule.Schedule<unknown, SqsError> = defaultRetrySchedule
): SqsClient["Service"] => {
  /**
   * A send that broke off mid-request may have been stored: retrying it could duplicate a
   * message, so sends are retried only when the request surely did not reach SQS. A poll is
   * not retried at all (see above).
   */
  const action = <I extends object, O>(
    name: string,
    Command: new (input: I) => any,
    kind: "send" | "poll" | "other" = "other"
  ) => {
    const retryWhile = (error: SqsError) =>
      error.isRetryable && (kind === "other" || !error.mayHaveReachedSqs)
    const countCall = Metric.update(Metric.withAttributes(SqsMetrics.apiCalls, { action: name }), 1)
    return (input: I): Effect.Effect<O, SqsError> => {
      const once = Effect.tryPromise({
        try: (signal) => client.send(new Command(input), { abortSignal: signal }) as Promise<O>,
        catch: (error) =>
          new SqsError({
            action: name,
            reason: classify(error, { location: settings.location, queue: queueOf(input) })
          })
      }).pipe(Effect.onExit(() => countCall))
      return kind === "poll" ? once : Effect.retry(once, { schedule: retrySchedule, while: retryWhile })
    }
  }

  return SqsClient.of({
    settings,
    getQueueUrl: action("GetQueueUrl", GetQueueUrlCommand),
    getQueueAttributes: action("GetQueueAttributes", GetQueueAttributesCommand),
    listQueues: action("ListQueues", ListQueuesCommand),
    createQueue: action("CreateQueue", CreateQueueCommand),
    sendMessage: action("SendMessage", SendMessageCommand, "send"),
    sendMessageBatch: action("SendMessageBatch", SendMessageBatchCommand, "send"),
    receiveMessage: action("ReceiveMessage", ReceiveMessageCommand, "poll"),
    deleteMessageBatch: action("DeleteMessageBatch", DeleteMessageBatchCommand),
    changeMessageVisibilityBatch: action("ChangeMessageVisibilityBatch", ChangeMessageVisibilityBatchCommand)
  })
}

/**
 * Opens an SDK client for already resolved settings, for the scope's lifetime.
 *
 * @category constructors
 */
export const open = (
  settings: SqsConfig.SqsSettings,
  options: Omit<Options, keyof SqsConfig.SqsOptions> = {}
): Effect.Effect<SqsClient["Service"], never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new SQSClient({
          region: settings.region,
          ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
          ...(settings.loopback ? { credentials: LOCAL_CREDENTIALS } : {}),
          // One retry policy, ours: the SDK's would multiply with it.
          maxAttempts: 1,
          // A long poll lasts at most 20 s: a request still unanswered after 40 s is dead, and
          // an endpoint that does not accept a connection in 5 s is unreachable.
          requestHandler: { connectionTimeout: 5_000, requestTimeout: 40_000, throwOnRequestTimeout: true },
          ...options.sdk
        })
    ),
    (client) => Effect.sync(() => client.destroy())
  ).pipe(Effect.map((client) => fromClient(client, settings, options.retrySchedule)))

/**
 * Resolves the endpoint (see `SqsConfig`) and opens an SDK client for the scope's lifetime.
 *
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<SqsClient["Service"], SqsConfig.InvalidSqsConfig, Scope.Scope> =>
  Effect.flatMap(SqsConfig.resolve(options), (settings) => open(settings, options))

/**
 * The client for the configured endpoint, opened for the layer's lifetime.
 *
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<SqsClient, SqsConfig.InvalidSqsConfig> =>
  Layer.effect(SqsClient, make(options))

/**
 * The client for settings already resolved with `SqsConfig.resolve`.
 *
 * @category layers
 */
export const layerFromSettings = (
  settings: SqsConfig.SqsSettings,
  options: Omit<Options, keyof SqsConfig.SqsOptions> = {}
): Layer.Layer<SqsClient> => Layer.effect(SqsClient, open(settings, options))
