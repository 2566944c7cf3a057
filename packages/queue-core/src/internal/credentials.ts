/**
 * Credentials of SQS (both transports) and S3: where they come from, and, for the lean
 * transport, a cache that renews them before they expire.
 *
 * The source is the SDK's own default provider chain (environment, SSO, web identity, shared
 * files, container and instance metadata), as an `SQSClient` would use, or the placeholder
 * credentials loopback servers get. `SqsClient` makes one source and shares it with the SDK
 * client, the lean transport and (through its service) `PayloadStore`. The cache reads time from `Clock`, so tests
 * drive expiry with `TestClock`, and renews at most one at a time: concurrent requests share one
 * refresh.
 */
import { Clock, Duration, Effect, Ref, Semaphore } from "effect"
import { addSecret } from "../Redact.ts"

/** What SigV4 needs; `expiration` marks temporary credentials. */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
  readonly expiration?: Date
}

/**
 * Where credentials come from: the SDK's `AwsCredentialIdentityProvider` shape. `forceRefresh`
 * asks a memoizing provider (the SDK's chain is one) for new credentials rather than its copy.
 */
export type CredentialSource = (options?: { readonly forceRefresh?: boolean }) => Promise<Credentials>

/** The same placeholder credentials `SqsClient` gives loopback servers, which do not check them. */
export const LOCAL_CREDENTIALS: Credentials = { accessKeyId: "local", secretAccessKey: "local" }

/**
 * `source`, with the values of every set of credentials it gives remembered by `Redact`, so that
 * no printed text carries them.
 */
export const remembering =
  (source: CredentialSource): CredentialSource =>
  (options) =>
    source(options).then((credentials) => {
      addSecret(credentials.accessKeyId)
      addSecret(credentials.secretAccessKey)
      addSecret(credentials.sessionToken)
      return credentials
    })

/**
 * The SDK's default credential chain, with the region its nested clients (STS, SSO) should use.
 * The chain's package is loaded on the first call, so that loopback programs never load it.
 */
export const defaultChain = (region: string): CredentialSource => {
  let chain: Promise<CredentialSource> | undefined
  return remembering((options) => {
    chain ??= import("@aws-sdk/credential-provider-node").then(({ defaultProvider }) =>
      defaultProvider({ parentClientConfig: { region } })
    )
    return chain.then((provider) => provider(options))
  })
}

/** The source for resolved settings: the placeholders or the chain, as `SqsConfig` decided. */
export const sourceFor = (settings: {
  readonly credentials: "aws" | "placeholder"
  readonly region: string
}): CredentialSource =>
  settings.credentials === "placeholder"
    ? () => Promise.resolve(LOCAL_CREDENTIALS)
    : defaultChain(settings.region)

/** Renew this long before expiry: the SDK treats credentials as expired 5 minutes early too. */
export const DEFAULT_REFRESH_BEFORE = Duration.minutes(5)

/** After a failed renewal while the old credentials still hold, wait this long before trying again. */
const RETRY_AFTER_FAILURE = Duration.seconds(30)

interface Entry {
  readonly credentials: Credentials
  /** When to renew, in Clock millis. */
  readonly refreshAt: number
  /** When they stop working (Infinity for long-term keys). */
  readonly expiresAt: number
}

/**
 * When to renew: `refreshBefore` ahead of expiry, but never in the first half of what is left, so
 * that credentials issued for less than twice that margin are not fetched again on every request.
 */
const entryOf = (credentials: Credentials, now: number, refreshBefore: number): Entry => {
  if (credentials.expiration === undefined) {
    return { credentials, refreshAt: Number.POSITIVE_INFINITY, expiresAt: Number.POSITIVE_INFINITY }
  }
  const expiresAt = credentials.expiration.getTime()
  return {
    credentials,
    refreshAt: Math.max(expiresAt - refreshBefore, now + (expiresAt - now) / 2),
    expiresAt
  }
}

/**
 * The current credentials, fetched on first use and renewed before they expire. Fails with the
 * source's own error (the SDK's `CredentialsProviderError`, which `classify` maps to AccessDenied)
 * only when there are no usable credentials: a failed renewal keeps the old ones until they expire.
 */
export const cached = (
  source: CredentialSource,
  refreshBefore: Duration.Input = DEFAULT_REFRESH_BEFORE
): Effect.Effect<Effect.Effect<Credentials, unknown>> =>
  Effect.gen(function* () {
    const margin = Duration.toMillis(Duration.fromInputUnsafe(refreshBefore))
    const retryAfter = Duration.toMillis(RETRY_AFTER_FAILURE)
    const current = yield* Ref.make<Entry | undefined>(undefined)
    const oneRefresh = yield* Semaphore.make(1)

    const refresh = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const held = yield* Ref.get(current)
      // Another fiber may have renewed them while this one waited for the permit.
      if (held !== undefined && now < held.refreshAt) return held.credentials
      const fetched = yield* Effect.result(
        Effect.tryPromise({
          // The first fetch may use the provider's copy; a renewal must not.
          try: () => source(held === undefined ? undefined : { forceRefresh: true }),
          catch: (error) => error
        })
      )
      if (fetched._tag === "Success") {
        yield* Ref.set(current, entryOf(fetched.success, now, margin))
        return fetched.success
      }
      if (held !== undefined && now < held.expiresAt) {
        yield* Ref.set(current, { ...held, refreshAt: Math.min(now + retryAfter, held.expiresAt) })
        return held.credentials
      }
      return yield* Effect.fail(fetched.failure)
    })

    const renew = Semaphore.withPermit(oneRefresh)(refresh)
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const held = Ref.getUnsafe(current)
      return held !== undefined && now < held.refreshAt ? Effect.succeed(held.credentials) : renew
    })
  })
