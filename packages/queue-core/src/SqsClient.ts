/**
 * The SQS client as a scoped Effect service.
 *
 * Every call is cancellable (interrupting the fiber aborts its HTTP request), fails with a typed
 * `SqsError`, and is retried under `retrySchedule` while its error is retryable (a send only
 * while sending it again is safe: refused before it reached SQS, or its connection reset). The
 * SDK's own retries are off so that there is one retry policy (`internal/requestPolicy.ts`,
 * shared with `PayloadStore`), visible and testable. ReceiveMessage is never retried here:
 * whoever polls (the consumer's poll loop) has its own schedule, and a retry inside a poll would
 * multiply with it and delay shutdown.
 *
 * Every request has a deadline (`requestTimeout`, 5 s by default; a long poll gets its wait on
 * top): an endpoint that accepts connections and never answers costs seconds, not minutes. Each
 * retry is logged as it starts.
 *
 * This service is also the seam of the hot path: receive, delete, visibility and send batches all
 * go through it, so a leaner request path can replace the SDK here without touching the engine.
 * With the lean transport (the default) those, and the GetQueueUrl and GetQueueAttributes a
 * consumer starts with, skip the SDK, which is loaded only on the first call of another action.
 *
 * @since 0.1.0
 */
import type { SQSClient, SQSClientConfig } from "@aws-sdk/client-sqs"
import { Context, Duration, Effect, Layer, Metric, type Schedule, type Scope } from "effect"
import type * as Internal from "./internal/actions.ts"
import { noAnswer, queueOf } from "./internal/actions.ts"
import * as AnswerLimits from "./internal/answerLimits.ts"
import * as Credentials from "./internal/credentials.ts"
import { type CredentialSource, LOCAL_CREDENTIALS } from "./internal/credentials.ts"
import * as LazySdk from "./internal/lazySdk.ts"
import * as Lean from "./internal/lean/transport.ts"
import * as RequestPolicy from "./internal/requestPolicy.ts"
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
export type Actions = Internal.Actions

/**
 * @category services
 */
export class SqsClient extends Context.Service<
  SqsClient,
  Actions & {
    /** Where the calls go and how that was decided. */
    readonly settings: SqsConfig.SqsSettings
    /**
     * The credentials its calls are signed with when they come from AWS (the chain or the SDK
     * settings), for the program's other AWS clients (`PayloadStore`'s S3) to share one source.
     */
    readonly credentials?: CredentialSource | undefined
  }
>()("@bgcheck/queue-core/SqsClient") {}

/**
 * How the client retries and times out; every field has a default.
 *
 * @category models
 */
export interface Policy {
  /** How transient failures are retried; `defaultRetrySchedule` unless given. */
  readonly retrySchedule?: Schedule.Schedule<unknown, SqsError> | undefined
  /**
   * How a send refused before it reached SQS is retried once `retrySchedule` has given up;
   * `Schedules.reconnect` (up to 30 s) unless given.
   */
  readonly reconnectSchedule?: Schedule.Schedule<unknown, SqsError> | undefined
  /**
   * How long a request may go unanswered before it is abandoned as a lost connection (default
   * 5 s). A long poll gets its wait on top.
   */
  readonly requestTimeout?: Duration.Input | undefined
}

/**
 * @category models
 */
export interface Options extends SqsConfig.SqsOptions, Policy {
  /** Settings of the lean transport (credentials source, MD5 checks, connection pool). */
  readonly lean?: Lean.LeanOptions | undefined
  /** Extra SDK settings (for example a custom request handler). */
  readonly sdk?: Partial<SQSClientConfig> | undefined
}

/** Credentials given to the SDK, for the lean transport to use as well. */
const leanCredentials = (given: NonNullable<SQSClientConfig["credentials"]>): CredentialSource =>
  typeof given === "function"
    ? (options) => given(options) as Promise<Credentials.Credentials>
    : () => Promise.resolve(given as Credentials.Credentials)

/** A request unanswered for this long is given up; SQS answers in milliseconds. */
const DEFAULT_REQUEST_TIMEOUT = Duration.seconds(5)

/** The longest wait of a long poll, for a receive that does not say (the queue's default applies). */
const MAX_WAIT = Duration.seconds(20)

/** How long a receive may take: its long-poll wait, plus the time any request may take. */
const pollTimeout = (input: object, requestTimeout: Duration.Duration): Duration.Duration => {
  const { WaitTimeSeconds } = input as { WaitTimeSeconds?: number }
  return Duration.sum(
    WaitTimeSeconds === undefined ? MAX_WAIT : Duration.seconds(WaitTimeSeconds),
    requestTimeout
  )
}

/**
 * Retries are logged as they start: at warning level when SQS cannot be reached or does not
 * answer (the program is stalled and someone should know why), at debug level for throttling and
 * SQS's own failures, which retries absorb.
 */
const retryLog: RequestPolicy.RetryLog<SqsError> = {
  describe: (error) => `SQS ${error.action}: ${error.message}`,
  warn: (error) => error.reason._tag === "EndpointUnreachable" || error.reason._tag === "ConnectionLost"
}

/** SQS surely did not get the request: nothing answered at the endpoint. */
const refusedBeforeSqs = (error: SqsError) => error.reason._tag === "EndpointUnreachable"

/**
 * Whether a failed send may be sent again: when SQS surely did not get it, or its connection was
 * reset (most often a keep-alive connection the server closed as the request went out, never
 * read; SQS's own SDKs retry it too, at the same small risk of a duplicate). A send that got no
 * answer is not: SQS may be storing it.
 */
const sendRetryable = (error: SqsError) =>
  error.isRetryable &&
  (!error.mayHaveReachedSqs || (error.reason._tag === "ConnectionLost" && error.reason.reset))

/** The SDK's SQS package and a client of it, loaded on the first call that needs them. */
type Sdk = LazySdk.Loaded<typeof import("@aws-sdk/client-sqs"), SQSClient>

/** The SDK commands of the actions, by the name the package exports them under. */
type CommandName = {
  [K in keyof typeof import("@aws-sdk/client-sqs")]: K extends `${string}Command` ? K : never
}[keyof typeof import("@aws-sdk/client-sqs")]

const loadModule = Effect.promise(() => import("@aws-sdk/client-sqs"))

/**
 * Builds the service over an existing SDK client.
 *
 * @category constructors
 */
export const fromClient = (
  client: SQSClient,
  settings: SqsConfig.SqsSettings,
  policy: Policy = {},
  lean?: Lean.LeanActions
): SqsClient["Service"] =>
  fromSdk(
    Effect.map(loadModule, (module) => ({ module, client })),
    settings,
    policy,
    lean
  )

/**
 * The service over the SDK client `load` gives (run on the first call that goes through the SDK,
 * then remembered), and the lean actions when the lean transport is on.
 */
const fromSdk = (
  load: Effect.Effect<Sdk>,
  settings: SqsConfig.SqsSettings,
  policy: Policy,
  lean?: Lean.LeanActions,
  credentials?: CredentialSource
): SqsClient["Service"] => {
  let loaded: Sdk | undefined
  const sdk = Effect.suspend(() =>
    loaded === undefined
      ? Effect.tap(load, (each) =>
          Effect.sync(() => {
            loaded = each
          })
        )
      : Effect.succeed(loaded)
  )
  const requestTimeout = Duration.fromInputUnsafe(policy.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT)
  const retrySchedule = policy.retrySchedule ?? defaultRetrySchedule
  const reconnectSchedule = policy.reconnectSchedule ?? Schedules.reconnect
  /**
   * The request layer's policy (see `requestPolicy.ts`), by kind: any action is retried while
   * its error is retryable; a send only while resending is safe (`sendRetryable`), and then,
   * refused before it reached SQS, for longer (`reconnectSchedule`), to ride out a restart; a
   * poll not at all (see above).
   */
  const policies = {
    other: RequestPolicy.retrying(
      [{ schedule: retrySchedule, retryWhile: (error) => error.isRetryable }],
      retryLog
    ),
    send: RequestPolicy.retrying(
      [
        { schedule: retrySchedule, retryWhile: sendRetryable },
        { schedule: reconnectSchedule, retryWhile: refusedBeforeSqs }
      ],
      retryLog
    ),
    poll: RequestPolicy.retrying<SqsError>([], retryLog)
  }

  const action = <I extends object, O>(
    name: string,
    command: CommandName,
    kind: "send" | "poll" | "other" = "other",
    viaLean?: (input: I, deadline: Duration.Duration) => Effect.Effect<O, SqsError>
  ) => {
    const retried = policies[kind]
    const countCall = Metric.update(Metric.withAttributes(SqsMetrics.apiCalls, { action: name }), 1)
    return (input: I): Effect.Effect<O, SqsError> => {
      const timeout = kind === "poll" ? pollTimeout(input, requestTimeout) : requestTimeout
      // The lean transport enforces the deadline itself, on undici's shared timers; the SDK's
      // calls get a timer each. An endpoint that accepts the connection and never answers must
      // not stall the program.
      const attempt =
        viaLean === undefined
          ? RequestPolicy.withDeadline(
              Effect.flatMap(sdk, ({ module, client }) =>
                Effect.tryPromise({
                  try: (signal) => {
                    const Command = module[command] as unknown as new (input: I) => never
                    return client.send(new Command(input), { abortSignal: signal }) as Promise<O>
                  },
                  catch: (error) =>
                    new SqsError({
                      action: name,
                      reason: classify(error, { location: settings.location, queue: queueOf(input) })
                    })
                })
              ),
              timeout,
              () => new SqsError({ action: name, reason: noAnswer(settings.location, timeout) })
            )
          : viaLean(input, timeout)
      return retried(Effect.onExit(attempt, () => countCall))
    }
  }

  return SqsClient.of({
    settings,
    credentials,
    getQueueUrl: action("GetQueueUrl", "GetQueueUrlCommand", "other", lean?.getQueueUrl),
    getQueueAttributes: action(
      "GetQueueAttributes",
      "GetQueueAttributesCommand",
      "other",
      lean?.getQueueAttributes
    ),
    listQueues: action("ListQueues", "ListQueuesCommand"),
    createQueue: action("CreateQueue", "CreateQueueCommand"),
    purgeQueue: action("PurgeQueue", "PurgeQueueCommand"),
    sendMessage: action("SendMessage", "SendMessageCommand", "send", lean?.sendMessage),
    sendMessageBatch: action("SendMessageBatch", "SendMessageBatchCommand", "send", lean?.sendMessageBatch),
    receiveMessage: action("ReceiveMessage", "ReceiveMessageCommand", "poll", lean?.receiveMessage),
    deleteMessageBatch: action(
      "DeleteMessageBatch",
      "DeleteMessageBatchCommand",
      "other",
      lean?.deleteMessageBatch
    ),
    changeMessageVisibilityBatch: action(
      "ChangeMessageVisibilityBatch",
      "ChangeMessageVisibilityBatchCommand",
      "other",
      lean?.changeMessageVisibilityBatch
    )
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
  Effect.gen(function* () {
    // One source for both transports: given, the placeholders, or the chain (see `SqsConfig`).
    const credentials =
      options.sdk?.credentials === undefined
        ? Credentials.sourceFor(settings)
        : Credentials.remembering(leanCredentials(options.sdk.credentials))
    // The SDK is loaded, and its client made, on the first call the lean transport does not
    // serve: a consumer over it never loads the SDK's SQS package.
    const load = yield* LazySdk.lazyClient(
      () => import("@aws-sdk/client-sqs"),
      (module, BoundedHttpHandler) =>
        new module.SQSClient({
          region: settings.region,
          ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
          // A copy of the placeholders: the SDK marks the credentials object it is given.
          credentials: settings.credentials === "placeholder" ? { ...LOCAL_CREDENTIALS } : credentials,
          // One retry policy, ours: the SDK's would multiply with it.
          maxAttempts: 1,
          // An endpoint that does not accept a connection in 5 s is unreachable. Each
          // request's own deadline is set above (`requestTimeout`); the SDK's 40 s is
          // only a backstop. Answers are bounded by the most SQS sends for the action
          // (see `answerLimits.ts`).
          requestHandler: new BoundedHttpHandler(
            { connectionTimeout: 5_000, requestTimeout: 40_000, throwOnRequestTimeout: true },
            ({ headers }) => AnswerLimits.forAction(headers["x-amz-target"])
          ),
          ...options.sdk,
          ...(options.sdk?.credentials === undefined ? {} : { credentials })
        })
    )
    const lean =
      settings.transport === "lean"
        ? yield* Lean.makeLeanActions(settings, { credentials, ...options.lean })
        : undefined
    return fromSdk(
      load,
      settings,
      options,
      lean,
      settings.credentials === "placeholder" ? undefined : credentials
    )
  })

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
