/**
 * Where lean requests go: the URL an `SQSClient` with the same settings would post to.
 *
 * - An explicit endpoint (option, `SQS_ENDPOINT`, ..., or the local default) is used as given,
 *   as the SDK uses a custom endpoint.
 * - In AWS mode the endpoint comes from the SDK's own endpoint rules, asked once of a throwaway
 *   `SQSClient` for the region (with its FIPS and dual-stack settings, read from the environment
 *   and shared config as the SDK reads them): `https://sqs.<region>.amazonaws.com` in the standard
 *   partition, `.amazonaws.com.cn` in China, FIPS and dual-stack hosts when configured.
 * - Also as the SDK does in AWS mode (its `useQueueUrlAsEndpoint`, on by default): a request
 *   whose `QueueUrl` is on another origin (a legacy `queue.amazonaws.com` URL) goes to that
 *   origin. With an explicit endpoint the queue URL is never used.
 */
import { Effect } from "effect"
import type { SqsSettings } from "../../SqsConfig.ts"

/** One origin and path to post to, split as the signer and the HTTP pool want it. */
export interface Target {
  readonly origin: string
  readonly protocol: string
  readonly hostname: string
  readonly port: number | undefined
  /** The `host` header: the hostname, and the port unless it is the protocol's default. */
  readonly host: string
  /** JSON-protocol requests post to the endpoint's path, ending in `/`. */
  readonly path: string
}

export const targetOf = (url: URL): Target => ({
  origin: url.origin,
  protocol: url.protocol,
  hostname: url.hostname,
  port: url.port === "" ? undefined : Number(url.port),
  host: url.host,
  path: url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`
})

/**
 * The endpoint the SDK's rules give for the region, with its FIPS and dual-stack settings. The
 * SDK is loaded for it only in AWS mode.
 */
const awsEndpoint = (region: string): Effect.Effect<URL, unknown> =>
  Effect.acquireUseRelease(
    Effect.promise(() => import("@aws-sdk/client-sqs")).pipe(
      Effect.map(({ SQSClient }) => new SQSClient({ region }))
    ),
    (client) =>
      Effect.tryPromise({
        try: () =>
          Promise.all([client.config.useFipsEndpoint(), client.config.useDualstackEndpoint()]).then(
            ([UseFIPS, UseDualStack]) =>
              new URL(client.config.endpointProvider({ Region: region, UseFIPS, UseDualStack }).url.href)
          ),
        catch: (error) => error
      }),
    (client) => Effect.sync(() => client.destroy())
  )

/**
 * The endpoint for resolved settings. It fails only when the SDK's own rules or settings reject
 * the region or the FIPS/dual-stack configuration, which the SDK would also do on every call.
 */
export const resolve = (settings: SqsSettings): Effect.Effect<URL, unknown> =>
  settings.endpoint !== undefined
    ? Effect.sync(() => new URL(settings.endpoint!))
    : awsEndpoint(settings.region)

/** Queue URLs remembered per router; a process uses a handful of queues, this bounds a leak. */
const MAX_REMEMBERED = 1_000

/**
 * The target of each request, by its `QueueUrl`. The choice is remembered per queue URL, so the
 * hot path parses no URL.
 */
export const router = (settings: SqsSettings, endpoint: URL): ((queueUrl: string | undefined) => Target) => {
  const fixed = targetOf(endpoint)
  if (settings.endpoint !== undefined) return () => fixed
  const byQueueUrl = new Map<string, Target>()
  const targetFor = (queueUrl: string): Target => {
    const url = URL.canParse(queueUrl) ? new URL(queueUrl) : undefined
    return url === undefined || url.origin === fixed.origin ? fixed : targetOf(new URL(url.origin))
  }
  return (queueUrl) => {
    if (queueUrl === undefined) return fixed
    const known = byQueueUrl.get(queueUrl)
    if (known !== undefined) return known
    if (byQueueUrl.size >= MAX_REMEMBERED) byQueueUrl.clear()
    const target = targetFor(queueUrl)
    byQueueUrl.set(queueUrl, target)
    return target
  }
}
