/**
 * The lean transport: the hot SQS actions (receive, delete and visibility batches, sends), and
 * the two a consumer starts with (GetQueueUrl, GetQueueAttributes), without the SDK's request
 * pipeline, at about a third of its CPU per call
 * (shared/docs/sdk-cost.md).
 *
 * Each call is one signed AWS JSON 1.0 POST over a keep-alive undici pool, to the endpoint the
 * SDK would use (`endpoint.ts`), signed with SigV4 as the SDK signs (`signer.ts`) with
 * credentials from the SDK's default chain, renewed before they expire (`credentials.ts`). The
 * answer is checked as the SDK checks it (body MD5s, `checksums.ts`) and its errors map to the
 * same `SqsError` reasons (`protocol.ts` + `SqsError.classifyAnswer`).
 *
 * A call here is one attempt, under the deadline it is given (enforced by undici, see `http.ts`):
 * retries and call metrics are for `SqsClient`'s action wrapper to add, the same whichever
 * transport runs the call. Interrupting a call aborts its request.
 */
import { Clock, Duration, Effect, type Scope } from "effect"
import type { SqsSettings } from "../../SqsConfig.ts"
import { classify, classifyAnswer, SqsError, type SqsErrorReason, type Target } from "../../SqsError.ts"
import { type Actions, noAnswer, queueOf } from "../actions.ts"
import * as AnswerLimits from "../answerLimits.ts"
import * as Credentials from "../credentials.ts"
import * as Checksums from "./checksums.ts"
import * as Endpoint from "./endpoint.ts"
import * as Http from "./http.ts"
import * as Protocol from "./protocol.ts"
import * as Signer from "./signer.ts"

type Served =
  | "getQueueUrl"
  | "getQueueAttributes"
  | "receiveMessage"
  | "deleteMessageBatch"
  | "changeMessageVisibilityBatch"
  | "sendMessageBatch"
  | "sendMessage"

/**
 * The actions the lean transport serves; everything else stays on the SDK. Each takes its
 * deadline (default `DEFAULT_DEADLINE`), which undici enforces, failing as `SqsClient`'s own
 * deadline does (`ConnectionLost`, "no answer from SQS at ... within ...").
 */
export type LeanActions = {
  readonly [K in Served]: (
    input: Parameters<Actions[K]>[0],
    deadline?: Duration.Duration
  ) => ReturnType<Actions[K]>
}

/** The deadline of a call given none: above a 20 s long poll plus `SqsClient`'s 5 s. */
export const DEFAULT_DEADLINE = Duration.seconds(60)

export interface LeanOptions extends Http.Options {
  /**
   * Where credentials come from. Default: the placeholders `SqsClient` uses for loopback
   * endpoints, else the SDK's default provider chain.
   */
  readonly credentials?: Credentials.CredentialSource | undefined
  /** Renew temporary credentials this long before they expire (default 5 minutes). */
  readonly refreshBefore?: Duration.Input | undefined
  /**
   * Check body MD5s as the SDK does (default true). Turning it off saves about 2 ms of CPU per
   * 1,000 messages and accepts a body altered in transit; over TLS to AWS that is a choice.
   */
  readonly checkMd5?: boolean | undefined
}

type Input<K extends Served> = Parameters<Actions[K]>[0]
type Output<K extends Served> = Effect.Success<ReturnType<Actions[K]>>

const NONE: ReadonlyArray<string> = []

const USER_AGENT = "bgcheck-queue-core/lean"

/**
 * The hot actions over the lean transport, for the scope's lifetime.
 *
 * Dies only if the SDK's endpoint rules reject the settings' region (which `SqsConfig` has
 * already checked) or its FIPS/dual-stack settings.
 *
 * @category constructors
 */
export const makeLeanActions = (
  settings: SqsSettings,
  options: LeanOptions = {}
): Effect.Effect<LeanActions, never, Scope.Scope> =>
  Effect.gen(function* () {
    const route = Endpoint.router(settings, yield* Effect.orDie(Endpoint.resolve(settings)))
    const credentials = yield* Credentials.cached(
      options.credentials ?? Credentials.sourceFor(settings),
      options.refreshBefore
    )
    const sign = Signer.make({ region: settings.region, service: "sqs" })
    const http = yield* Http.make(options)
    const checkMd5 = options.checkMd5 ?? true

    /** Why a request got no answer it could read, below the protocol. */
    const requestFailure = (
      error: unknown,
      where: () => Target,
      deadline: Duration.Duration
    ): SqsErrorReason =>
      error instanceof Http.NoAnswer
        ? noAnswer(settings.location, deadline)
        : error instanceof Http.AnswerTooLarge
          ? classifyAnswer({ status: error.status, unreadable: true, limit: error.limit }, where())
          : classify(error, where())

    /** One signed POST of `body`, its answer decoded; fails with the reason. */
    const exchange = <O>(
      action: Protocol.Action,
      queueUrl: string | undefined,
      body: string,
      deadline: Duration.Duration,
      where: () => Target
    ): Effect.Effect<O, SqsErrorReason> =>
      Effect.gen(function* () {
        const target = route(queueUrl)
        const headers = Protocol.requestHeaders(action, target.host, body)
        const signed = sign(
          { method: "POST", path: target.path, headers, body },
          // The source's own error (the SDK's `CredentialsProviderError`) is AccessDenied.
          yield* Effect.mapError(credentials, (error) => classify(error, where())),
          yield* Clock.currentTimeMillis
        )
        const response = yield* http
          .post(
            target,
            { ...signed, "user-agent": USER_AGENT },
            body,
            AnswerLimits.forAction(action),
            Duration.toMillis(deadline)
          )
          .pipe(Effect.mapError((error) => requestFailure(error, where, deadline)))
        return yield* Protocol.decode<O>(action, response, where)
      })

    /**
     * An action: encode, exchange, then `check` the answer (the ids of messages whose MD5 does
     * not match); every failure with the reason `SqsClient` gives it on the SDK.
     */
    const action =
      <K extends Served>(
        name: Protocol.Action,
        check: (input: Input<K>, output: Output<K>) => ReadonlyArray<string | undefined> = () => NONE
      ) =>
      (
        input: Input<K>,
        deadline: Duration.Duration = DEFAULT_DEADLINE
      ): Effect.Effect<Output<K>, SqsError> => {
        // Only a failure names the queue.
        const where = (): Target => ({ location: settings.location, queue: queueOf(input) })
        return Effect.try({
          try: () => Protocol.encode(name, input),
          catch: (error) => classify(error, where())
        }).pipe(
          Effect.flatMap((body) =>
            exchange<Output<K>>(name, (input as { QueueUrl?: string }).QueueUrl, body, deadline, where)
          ),
          Effect.flatMap((output) => {
            const mismatched = checkMd5 ? check(input, output) : NONE
            return mismatched.length === 0
              ? Effect.succeed(output)
              : Effect.fail(Checksums.mismatch(mismatched))
          }),
          Effect.mapError((reason) => new SqsError({ action: name, reason }))
        )
      }

    return {
      getQueueUrl: action<"getQueueUrl">("GetQueueUrl"),
      getQueueAttributes: action<"getQueueAttributes">("GetQueueAttributes"),
      receiveMessage: action<"receiveMessage">("ReceiveMessage", (_input, output) =>
        Checksums.receivedMismatches(output.Messages)
      ),
      deleteMessageBatch: action<"deleteMessageBatch">("DeleteMessageBatch"),
      changeMessageVisibilityBatch: action<"changeMessageVisibilityBatch">("ChangeMessageVisibilityBatch"),
      sendMessageBatch: action<"sendMessageBatch">("SendMessageBatch", (input, output) =>
        Checksums.sentMismatches(input.Entries ?? [], output.Successful)
      ),
      sendMessage: action<"sendMessage">("SendMessage", (input, output) =>
        Checksums.sentMismatches(
          [{ Id: "", MessageBody: input.MessageBody }],
          [{ Id: "", MessageId: output.MessageId, MD5OfMessageBody: output.MD5OfMessageBody }]
        )
      )
    } satisfies LeanActions
  })
