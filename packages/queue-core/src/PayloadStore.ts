/**
 * Where large message bodies live: S3, as a scoped Effect service (see `LargePayloads`).
 *
 * The client follows the same endpoint rules as SQS (`SqsConfig.resolveS3`): the SDK's
 * `AWS_ENDPOINT_URL_S3` first, else a loopback SQS endpoint (the local SQS serves S3 too), else
 * `AWS_ENDPOINT_URL`, else real S3 in the SQS region with the SDK's default credential chain.
 * Like the SQS client, it has one retry policy (the SDK's own retries are off), a deadline on
 * every request, and typed errors: a missing object is `PayloadMissing`, anything else
 * `PayloadStoreError`, retried while it is transient (throttling, 5xx, a lost connection).
 *
 * @since 0.4.0
 */
import type { S3Client } from "@aws-sdk/client-s3"
import { Context, Duration, Effect, Layer, type Schedule, Schema, Scope } from "effect"
import { LOCAL_CREDENTIALS } from "./internal/lean/credentials.ts"
import { formatPointer, type S3Pointer } from "./LargePayloads.ts"
import { redact } from "./Redact.ts"
import * as Schedules from "./Schedules.ts"
import { SqsClient } from "./SqsClient.ts"
import * as SqsConfig from "./SqsConfig.ts"
import { classify } from "./SqsError.ts"

/**
 * The object a pointer names does not exist (deleted, expired by a lifecycle rule, or never
 * written): the message can never be handled.
 *
 * @category errors
 */
export class PayloadMissing extends Schema.TaggedError<PayloadMissing>()("PayloadMissing", {
  message: Schema.String
}) {}

/**
 * An S3 call failed; `retryable` when trying again later can help.
 *
 * @category errors
 */
export class PayloadStoreError extends Schema.TaggedError<PayloadStoreError>()("PayloadStoreError", {
  message: Schema.String,
  retryable: Schema.Boolean
}) {}

/**
 * @category services
 */
export class PayloadStore extends Context.Service<
  PayloadStore,
  {
    readonly put: (pointer: S3Pointer, body: string) => Effect.Effect<void, PayloadStoreError>
    readonly get: (pointer: S3Pointer) => Effect.Effect<string, PayloadMissing | PayloadStoreError>
    /** Deleting an object that is already gone succeeds, as S3 does. */
    readonly remove: (pointer: S3Pointer) => Effect.Effect<void, PayloadStoreError>
    /**
     * Fails unless the bucket exists and these credentials may use it (HeadBucket, which IAM
     * authorizes as `s3:ListBucket`): to check before sending anything.
     */
    readonly checkBucket: (bucket: string) => Effect.Effect<void, PayloadStoreError>
    readonly settings: SqsConfig.S3Settings
  }
>()("@bgcheck/queue-core/PayloadStore") {}

/**
 * @category models
 */
export interface Options {
  /** How transient failures are retried (default `Schedules.request`). */
  readonly retrySchedule?: Schedule.Schedule<unknown, unknown> | undefined
  /** How long one request may take (default 30 s: bodies can be megabytes). */
  readonly requestTimeout?: Duration.Input | undefined
}

const DEFAULT_REQUEST_TIMEOUT = Duration.seconds(30)

const MISSING = new Set(["NoSuchKey", "NoSuchBucket", "NotFound"])

/** The S3 SDK's module and a client, loaded on first use: about 60 ms a process otherwise. */
interface Sdk {
  readonly module: typeof import("@aws-sdk/client-s3")
  readonly client: S3Client
}

/** The service over the SDK as `sdk` gives it (made once, on the first call). */
const fromSdk = (
  sdk: Effect.Effect<Sdk>,
  settings: SqsConfig.S3Settings,
  options: Options = {}
): PayloadStore["Service"] => {
  const schedule = options.retrySchedule ?? Schedules.request
  const timeout = Duration.fromInputUnsafe(options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT)

  const call = <A>(
    action: string,
    pointer: S3Pointer,
    send: (sdk: Sdk, signal: AbortSignal) => Promise<A>
  ): Effect.Effect<A, PayloadMissing | PayloadStoreError> => {
    const where = `${formatPointer(pointer)} at ${settings.location}`
    const once = Effect.flatMap(sdk, (loaded) =>
      Effect.tryPromise({
        try: (signal) => send(loaded, signal),
        catch: (error): PayloadMissing | PayloadStoreError => {
          const name = (error as { name?: unknown }).name
          if (name === "NoSuchBucket")
            return new PayloadMissing({
              message: `the bucket ${pointer.bucket} does not exist at ${settings.location}`
            })
          if (typeof name === "string" && MISSING.has(name))
            return new PayloadMissing({ message: `${where} does not exist (${name})` })
          const reason = classify(error, { location: settings.location })
          const detail = redact(error instanceof Error ? error.message : String(error))
          return new PayloadStoreError({
            message: `S3 ${action} ${where} failed (${typeof name === "string" ? name : "Error"}): ${detail}`,
            retryable: reason.isRetryable
          })
        }
      })
    ).pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () =>
          Effect.fail(
            new PayloadStoreError({
              message: `S3 ${action} ${where}: no answer within ${Duration.format(timeout)}`,
              retryable: true
            })
          )
      })
    )
    return Effect.retry(once, {
      schedule,
      while: (error) => error._tag === "PayloadStoreError" && error.retryable
    })
  }

  return PayloadStore.of({
    settings,
    put: (pointer, body) =>
      call("PutObject", pointer, ({ module, client }, abortSignal) =>
        client.send(
          new module.PutObjectCommand({
            Bucket: pointer.bucket,
            Key: pointer.key,
            Body: body,
            ContentType: "text/plain; charset=utf-8"
          }),
          { abortSignal }
        )
      ).pipe(
        Effect.asVoid,
        // A missing bucket on a write is a setting to fix, not a lost message.
        Effect.catchTag("PayloadMissing", (missing) =>
          Effect.fail(new PayloadStoreError({ message: missing.message, retryable: false }))
        )
      ),
    get: (pointer) =>
      call("GetObject", pointer, ({ module, client }, abortSignal) =>
        client
          .send(new module.GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }), { abortSignal })
          .then((output) => output.Body?.transformToString("utf-8") ?? "")
      ),
    checkBucket: (bucket) =>
      call("HeadBucket", { bucket, key: "" }, ({ module, client }, abortSignal) =>
        client.send(new module.HeadBucketCommand({ Bucket: bucket }), { abortSignal })
      ).pipe(
        Effect.asVoid,
        Effect.catchTag("PayloadMissing", () =>
          Effect.fail(
            new PayloadStoreError({
              message: `the bucket ${bucket} does not exist at ${settings.location}`,
              retryable: false
            })
          )
        )
      ),
    remove: (pointer) =>
      Effect.asVoid(
        call("DeleteObject", pointer, ({ module, client }, abortSignal) =>
          client.send(new module.DeleteObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }), {
            abortSignal
          })
        ).pipe(Effect.catchTag("PayloadMissing", () => Effect.void))
      )
  })
}

/**
 * The service for resolved settings. The SDK is loaded and its client made on the first call,
 * so that programs that never see a large message do not pay for it; the client lives until the
 * scope closes.
 *
 * @category constructors
 */
export const open = (
  settings: SqsConfig.S3Settings,
  options: Options = {}
): Effect.Effect<PayloadStore["Service"], never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const sdk = yield* Effect.cached(
      Effect.promise(() => import("@aws-sdk/client-s3")).pipe(
        Effect.flatMap((module) =>
          Effect.acquireRelease(
            Effect.sync(
              (): Sdk => ({
                module,
                client: new module.S3Client({
                  region: settings.region,
                  ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
                  forcePathStyle: settings.forcePathStyle,
                  ...(settings.loopback ? { credentials: { ...LOCAL_CREDENTIALS } } : {}),
                  // One retry policy, ours.
                  maxAttempts: 1,
                  requestHandler: { connectionTimeout: 5_000 }
                })
              })
            ),
            ({ client }) => Effect.sync(() => client.destroy())
          )
        ),
        Scope.provide(scope)
      )
    )
    return fromSdk(sdk, settings, options)
  })

/**
 * S3 where the SQS client's settings say (see `SqsConfig.resolveS3`). Nothing connects until a
 * large message is sent or received.
 *
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<PayloadStore, SqsConfig.InvalidSqsConfig, SqsClient> =>
  Layer.effect(
    PayloadStore,
    Effect.flatMap(SqsClient, (sqs) => SqsConfig.resolveS3(sqs.settings)).pipe(
      Effect.flatMap((settings) => open(settings, options))
    )
  )
