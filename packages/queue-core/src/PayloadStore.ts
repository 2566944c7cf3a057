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
 * A pointer comes from whoever could send to the queue, so the store follows it only under its
 * `policy` (see `LargePayloads.ReadPolicy`): objects of its configured buckets only, up to the
 * size the message declares and `maxPayloadBytes`. Any other pointer is `PayloadRefused`, with no
 * request made; an object longer than declared is refused once that many bytes have come, the
 * rest never read.
 *
 * @since 0.4.0
 */
import type { Readable } from "node:stream"
import type { S3Client } from "@aws-sdk/client-s3"
import { Context, Duration, Effect, Layer, type Schedule, Schema, type Scope } from "effect"
import { MAX_OTHER_ANSWER_BYTES } from "./internal/answerLimits.ts"
import { BodyTooLarge, readAtMost } from "./internal/boundedBody.ts"
import { type CredentialSource, defaultChain, LOCAL_CREDENTIALS } from "./internal/credentials.ts"
import * as LazySdk from "./internal/lazySdk.ts"
import * as RequestPolicy from "./internal/requestPolicy.ts"
import * as LargePayloads from "./LargePayloads.ts"
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
 * The pointer is not one this store follows (a bucket it was not configured for, a key its
 * producer could not have written, a size over the limit, an object longer than its message
 * said): the message can never be handled, and nothing was read or deleted.
 *
 * @category errors
 */
export class PayloadRefused extends Schema.TaggedError<PayloadRefused>()("PayloadRefused", {
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
    /**
     * The body a pointer names, if `policy` lets it be read; `size` is what its message declares
     * (see `LargePayloads.declaredSize`), and no more is read.
     */
    readonly get: (
      pointer: S3Pointer,
      size: number | undefined
    ) => Effect.Effect<string, PayloadMissing | PayloadRefused | PayloadStoreError>
    /**
     * Deletes the object, in a bucket of `policy` only (the producer's own objects when it could
     * not send them, a consumer's once their message is deleted). Deleting an object that is
     * already gone succeeds, as S3 does.
     */
    readonly remove: (pointer: S3Pointer) => Effect.Effect<void, PayloadRefused | PayloadStoreError>
    /**
     * Fails unless the bucket exists and these credentials may use it (HeadBucket, which IAM
     * authorizes as `s3:ListBucket`): to check before sending anything.
     */
    readonly checkBucket: (bucket: string) => Effect.Effect<void, PayloadStoreError>
    readonly settings: SqsConfig.S3Settings
    /** Which pointers it follows. */
    readonly policy: LargePayloads.ReadPolicy
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
  /**
   * The buckets whose objects it reads and deletes: a pointer into any other is refused (default
   * none, so that pointers are followed only into buckets named here; `QueueServices` adds its
   * producer's bucket).
   */
  readonly buckets?: ReadonlyArray<string> | undefined
  /** When set, only keys of the form `<keyPrefix><uuid>` are read, the keys a producer with it writes. */
  readonly keyPrefix?: string | undefined
  /**
   * The largest body read, in bytes (default `LargePayloads.DEFAULT_MAX_PAYLOAD_BYTES`, 32 MiB;
   * at most `LargePayloads.MAX_PAYLOAD_BYTES`).
   */
  readonly maxPayloadBytes?: number | undefined
}

/**
 * The read policy the options describe, checked.
 *
 * @category constructors
 */
export const policyOf = (
  options: Options = {}
): Effect.Effect<LargePayloads.ReadPolicy, LargePayloads.InvalidPayloadOptions> => {
  const policy: LargePayloads.ReadPolicy = {
    buckets: [...new Set(options.buckets ?? [])],
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    maxBytes: options.maxPayloadBytes ?? LargePayloads.DEFAULT_MAX_PAYLOAD_BYTES
  }
  const invalid = LargePayloads.checkPolicy(policy)
  return invalid === undefined ? Effect.succeed(policy) : Effect.fail(invalid)
}

const DEFAULT_REQUEST_TIMEOUT = Duration.seconds(30)

const MISSING = new Set(["NoSuchKey", "NoSuchBucket", "NotFound"])

/** The S3 SDK's module and a client, loaded on first use: about 60 ms a process otherwise. */
type Sdk = LazySdk.Loaded<typeof import("@aws-sdk/client-s3"), S3Client>

/** UTF-8, strictly: a body with bytes that are not text was not written by an extended client. */
const utf8 = new TextDecoder("utf-8", { fatal: true })

/** The service over the SDK as `sdk` gives it (made once, on the first call). */
const fromSdk = (
  sdk: Effect.Effect<Sdk>,
  settings: SqsConfig.S3Settings,
  policy: LargePayloads.ReadPolicy,
  options: Options = {}
): PayloadStore["Service"] => {
  const timeout = Duration.fromInputUnsafe(options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT)
  // The request layer's policy, as for SQS: retried while transient, each retry logged (debug).
  const retried = RequestPolicy.retrying<PayloadMissing | PayloadStoreError | PayloadRefused>(
    [
      {
        schedule: options.retrySchedule ?? Schedules.request,
        retryWhile: (error) => error._tag === "PayloadStoreError" && error.retryable
      }
    ],
    { describe: (error) => error.message, warn: () => false }
  )

  /**
   * One S3 call, `send` then `read` (what is left of its answer), within one deadline and retried
   * while transient; `Refused` is `PayloadRefused` when `read` can refuse.
   */
  const call = <A, B = A, Refused extends PayloadRefused = never>(
    action: string,
    pointer: S3Pointer,
    send: (sdk: Sdk, signal: AbortSignal) => Promise<A>,
    read: (output: A) => Effect.Effect<B, unknown> = (output) => Effect.succeed(output as unknown as B)
  ): Effect.Effect<B, PayloadMissing | PayloadStoreError | Refused> => {
    const where = `${formatPointer(pointer)} at ${settings.location}`
    const once = Effect.flatMap(sdk, (loaded) =>
      Effect.tryPromise({ try: (signal) => send(loaded, signal), catch: (error): unknown => error }).pipe(
        Effect.flatMap(read),
        Effect.mapError((error): PayloadMissing | PayloadStoreError | Refused => {
          if (error instanceof PayloadRefused) return error as Refused
          const name = (error as { name?: unknown }).name
          if (name === "NoSuchBucket")
            return new PayloadMissing({
              message: `the bucket ${pointer.bucket} does not exist at ${settings.location}`
            })
          if (typeof name === "string" && MISSING.has(name))
            return new PayloadMissing({ message: `${where} does not exist (${name})` })
          if (error instanceof BodyTooLarge)
            return new PayloadStoreError({
              message: `S3 ${action} ${where}: the answer is over ${error.limit} bytes, more than S3 sends for it`,
              retryable: false
            })
          const reason = classify(error, { location: settings.location })
          const detail = redact(error instanceof Error ? error.message : String(error))
          return new PayloadStoreError({
            message: `S3 ${action} ${where} failed (${typeof name === "string" ? name : "Error"}): ${detail}`,
            retryable: reason.isRetryable
          })
        })
      )
    )
    return retried(
      RequestPolicy.withDeadline(
        once,
        timeout,
        () =>
          new PayloadStoreError({
            message: `S3 ${action} ${where}: no answer within ${Duration.format(timeout)}`,
            retryable: true
          })
      )
    )
  }

  /** The object's bytes as text, refused once more than `limit` bytes have come. */
  const readBody =
    (pointer: S3Pointer, limit: number) =>
    (output: { readonly Body?: unknown; readonly ContentLength?: number | undefined }) =>
      (output.Body === undefined
        ? Effect.succeed(Buffer.alloc(0))
        : readAtMost(output.Body as Readable, limit, output.ContentLength)
      ).pipe(
        Effect.mapError((error) =>
          error instanceof BodyTooLarge
            ? new PayloadRefused({
                message: `the object at ${formatPointer(pointer)} is longer than the ${limit} bytes its message declares`
              })
            : error
        ),
        Effect.flatMap((bytes) =>
          Effect.try({
            try: () => utf8.decode(bytes),
            catch: () =>
              new PayloadRefused({ message: `the object at ${formatPointer(pointer)} is not UTF-8 text` })
          })
        )
      )

  /** The policy's verdict, before any request. */
  const admit = (pointer: S3Pointer, size: number | undefined) => {
    const refused = LargePayloads.refusal(pointer, size, policy)
    return refused === undefined ? Effect.void : Effect.fail(new PayloadRefused({ message: refused }))
  }

  return PayloadStore.of({
    settings,
    policy,
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
    get: (pointer, size) =>
      Effect.andThen(
        admit(pointer, size),
        call<import("@aws-sdk/client-s3").GetObjectCommandOutput, string, PayloadRefused>(
          "GetObject",
          pointer,
          ({ module, client }, abortSignal) =>
            client.send(new module.GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }), {
              abortSignal
            }),
          // `admit` has checked that `size` is a whole number within the policy's maximum.
          readBody(pointer, size ?? 0)
        )
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
      Effect.andThen(
        policy.buckets.includes(pointer.bucket)
          ? Effect.void
          : Effect.fail(
              new PayloadRefused({
                message: `${formatPointer(pointer)} is not in a payload bucket of this store (${policy.buckets.join(", ") || "none"})`
              })
            ),
        call("DeleteObject", pointer, ({ module, client }, abortSignal) =>
          client.send(new module.DeleteObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }), {
            abortSignal
          })
        ).pipe(
          Effect.asVoid,
          Effect.catchTag("PayloadMissing", () => Effect.void)
        )
      )
  })
}

/**
 * The service for resolved settings. The SDK is loaded and its client made on the first call,
 * so that programs that never see a large message do not pay for it; the client lives until the
 * scope closes. In AWS mode it signs with `credentials` when given (the SQS client's, so that
 * one chain serves both), else with the SDK's default chain of its own.
 *
 * @category constructors
 */
export const open = (
  settings: SqsConfig.S3Settings,
  options: Options = {},
  credentials?: CredentialSource
): Effect.Effect<PayloadStore["Service"], LargePayloads.InvalidPayloadOptions, Scope.Scope> =>
  Effect.gen(function* () {
    const policy = yield* policyOf(options)
    const sdk = yield* LazySdk.lazyClient(
      () => import("@aws-sdk/client-s3"),
      (module, BoundedHttpHandler) =>
        new module.S3Client({
          region: settings.region,
          ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
          forcePathStyle: settings.forcePathStyle,
          credentials:
            settings.credentials === "placeholder"
              ? { ...LOCAL_CREDENTIALS }
              : (credentials ?? defaultChain(settings.region)),
          // One retry policy, ours.
          maxAttempts: 1,
          // An object is read by `get` up to its bound; any other answer is small.
          requestHandler: new BoundedHttpHandler({ connectionTimeout: 5_000 }, ({ method }) =>
            method === "GET" ? policy.maxBytes + 1 : MAX_OTHER_ANSWER_BYTES
          )
        })
    )
    return fromSdk(sdk, settings, policy, options)
  })

/**
 * S3 where the SQS client's settings say (see `SqsConfig.resolveS3`), with the SQS client's
 * credentials when both are AWS. Nothing connects until a large message is sent or received.
 *
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<PayloadStore, SqsConfig.InvalidSqsConfig | LargePayloads.InvalidPayloadOptions, SqsClient> =>
  Layer.effect(
    PayloadStore,
    Effect.flatMap(SqsClient, (sqs) =>
      Effect.flatMap(SqsConfig.resolveS3(sqs.settings), (settings) =>
        open(settings, options, sqs.credentials)
      )
    )
  )
