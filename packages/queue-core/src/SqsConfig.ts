/**
 * Where SQS calls go, decided once: the one module of queue-core that reads the environment.
 *
 * 1. An explicit endpoint wins: the option (a `--endpoint` flag), then `SQS_ENDPOINT`, then the
 *    SDK's own `AWS_ENDPOINT_URL_SQS` and `AWS_ENDPOINT_URL`. It is always handed to the SDK
 *    explicitly, since queue URLs from local servers may carry hosts that do not resolve.
 * 2. Else, when an AWS region is configured (the option, `AWS_REGION`, `AWS_DEFAULT_REGION`, or
 *    the shared config profile), real Amazon SQS with the SDK's default credential chain.
 * 3. Else the local default `http://127.0.0.1:4566`, announced in one log line.
 *
 * Requests are signed with the SDK's default credential chain only where they go to AWS (an
 * `amazonaws.com` host, or the region's own endpoint). Loopback endpoints (127.0.0.0/8, `::1`,
 * `::ffff:127.x.y.z`, `localhost`) and any other host get placeholder credentials: local servers
 * do not check signatures, a developer machine should not need AWS credentials to run the lab,
 * and a session token must not travel to a server that is not AWS. `endpointCredentials: "aws"`
 * (`SQS_ENDPOINT_CREDENTIALS=aws`) signs with the chain for an endpoint that needs it.
 *
 * The values of the environment's credentials are handed to `Redact.addSecret`, so that no text
 * printed afterwards carries them, even unlabelled.
 *
 * S3, for bodies too large for SQS, is resolved from the same settings by `resolveS3`.
 *
 * @since 0.1.0
 */
import { BlockList, isIP } from "node:net"
import { Config, Effect, Option, Schema } from "effect"
import { addSecret, redact } from "./Redact.ts"

/**
 * The local SQS endpoint used when nothing else is configured (`pnpm local-sqs` listens there).
 *
 * @category constants
 */
export const LOCAL_ENDPOINT = "http://127.0.0.1:4566"

/**
 * The region used against local servers when none is configured.
 *
 * @category constants
 */
export const LOCAL_REGION = "us-east-1"

/**
 * How the endpoint was chosen.
 *
 * - `explicit`: an endpoint was given (option or environment).
 * - `aws`: real Amazon SQS in a configured region.
 * - `local`: nothing was configured; the local default.
 *
 * @category models
 */
export type Mode = "explicit" | "aws" | "local"

/**
 * The resolved connection settings.
 *
 * @category models
 */
export interface SqsSettings {
  readonly mode: Mode
  /** The endpoint handed to the SDK; absent for real AWS, where the SDK derives it from the region. */
  readonly endpoint: string | undefined
  readonly region: string
  /** True when requests stay on this machine. */
  readonly loopback: boolean
  /** What requests are signed with (see `Credentials`). */
  readonly credentials: Credentials
  /** The credentials asked for by option or `SQS_ENDPOINT_CREDENTIALS`, for S3 to follow too. */
  readonly endpointCredentials?: Credentials | undefined
  /** Where requests go, for messages: the endpoint URL, or `AWS SQS in <region>`. */
  readonly location: string
  /** What decided the endpoint, e.g. `--endpoint`, `SQS_ENDPOINT`, `AWS_REGION`. */
  readonly source: string
  /** How the hot actions reach SQS (see `SqsClient.Options.transport`). */
  readonly transport: Transport
}

/**
 * What requests are signed with: `aws`, the SDK's default credential chain (environment,
 * profile, SSO, container or instance role); `placeholder`, fixed dummy credentials that local
 * servers accept, so that no real credential or session token leaves for a server that is not
 * AWS.
 *
 * @category models
 */
export type Credentials = "aws" | "placeholder"

/**
 * How the hot actions (receive, delete and visibility batches, sends) reach SQS: `lean`, signed
 * JSON requests over a keep-alive pool at about a third of the SDK's CPU per call, or `sdk`, the
 * AWS SDK's own pipeline. Queue lookups, creation and listing always use the SDK.
 *
 * @category models
 */
export type Transport = "sdk" | "lean"

/**
 * @category constants
 */
export const transports: ReadonlyArray<Transport> = ["lean", "sdk"]

/**
 * The transport unless `transport` or `SQS_TRANSPORT` says otherwise.
 *
 * @category constants
 */
export const defaultTransport: Transport = "lean"

/**
 * Settings given in code or by flags; they take precedence over the environment.
 *
 * @category models
 */
export interface SqsOptions {
  readonly endpoint?: string | undefined
  readonly region?: string | undefined
  /** Else `SQS_TRANSPORT`, else `defaultTransport`. */
  readonly transport?: string | undefined
  /**
   * What requests to an explicit endpoint are signed with (else `SQS_ENDPOINT_CREDENTIALS`);
   * by default `aws` for AWS's own hosts and `placeholder` for any other.
   */
  readonly endpointCredentials?: string | undefined
}

/**
 * An endpoint or region that cannot be used.
 *
 * @category errors
 */
export class InvalidSqsConfig extends Schema.TaggedError<InvalidSqsConfig>()("InvalidSqsConfig", {
  message: Schema.String
}) {}

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4")
LOOPBACK.addAddress("::1", "ipv6")

/**
 * True for a host on this machine: `localhost`, 127.0.0.0/8, `::1`, and IPv4-mapped 127.x.y.z
 * (`::ffff:127.0.0.1`), in any of the spellings a URL normalises (`127.1`, `[0:0:0:0:0:0:0:1]`).
 *
 * @category validation
 */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "")
  if (host === "localhost") return true
  const family = isIP(host)
  return family === 4 ? LOOPBACK.check(host, "ipv4") : family === 6 ? LOOPBACK.check(host, "ipv6") : false
}

const isLoopback = (url: URL): boolean => isLoopbackHost(url.hostname)

/** AWS's own endpoint domains: the commercial, China, European sovereign, dual-stack and isolated partitions. */
const AWS_DOMAINS = [
  ".amazonaws.com",
  ".amazonaws.com.cn",
  ".amazonaws.eu",
  ".api.aws",
  ".c2s.ic.gov",
  ".sc2s.sgov.gov"
]

/**
 * True for a host of AWS's (a regional, FIPS, dual-stack or VPC endpoint), to which requests are
 * signed with real credentials by default.
 *
 * @category validation
 */
export const isAwsHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase().replace(/\.$/, "")
  return AWS_DOMAINS.some((domain) => host.endsWith(domain))
}

const CREDENTIALS: ReadonlyArray<Credentials> = ["aws", "placeholder"]

/** What an explicit endpoint's requests are signed with, unless `chosen` says. */
const credentialsFor = (url: URL, chosen: Credentials | undefined): Credentials =>
  chosen ?? (isAwsHost(url.hostname) ? "aws" : "placeholder")

/** The environment's own credentials, remembered so that no printed text carries them. */
const rememberEnvironmentSecrets = Effect.gen(function* () {
  for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID"]) {
    const value = yield* optionalEnv(name)
    if (Option.isSome(value)) addSecret(value.value.value)
  }
})

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/

const parseEndpoint = (value: string, source: string): Effect.Effect<URL, InvalidSqsConfig> => {
  const url = URL.canParse(value) ? new URL(value) : undefined
  return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
    ? Effect.succeed(url)
    : Effect.fail(
        new InvalidSqsConfig({
          message: `${source} must be an http(s) URL such as ${LOCAL_ENDPOINT}, got "${redact(value)}"`
        })
      )
}

/** One of `choices`, in any case; the error names the source and the choices. */
const checkChoice =
  <A extends string>(choices: ReadonlyArray<A>) =>
  (value: string, source: string): Effect.Effect<A, InvalidSqsConfig> => {
    const chosen = choices.find((known) => known === value.toLowerCase())
    return chosen !== undefined
      ? Effect.succeed(chosen)
      : Effect.fail(
          new InvalidSqsConfig({ message: `${source} must be ${choices.join(" or ")}, got "${value}"` })
        )
  }

const checkTransport = checkChoice(transports)

const checkCredentials = checkChoice(CREDENTIALS)

const checkRegion = (value: string, source: string): Effect.Effect<string, InvalidSqsConfig> =>
  REGION_PATTERN.test(value)
    ? Effect.succeed(value)
    : Effect.fail(
        new InvalidSqsConfig({ message: `${source} must be an AWS region such as us-west-2, got "${value}"` })
      )

const optionalEnv = (name: string) =>
  Config.option(Config.String(name)).pipe(
    Config.map(Option.filter((value) => value.trim() !== "")),
    Config.map(Option.map((value) => ({ value: value.trim(), source: name }))),
    Effect.mapError((error) => new InvalidSqsConfig({ message: `cannot read ${name}: ${error.message}` }))
  )

/** The first present value, in order. */
const firstOf = <A>(candidates: ReadonlyArray<Option.Option<A>>): Option.Option<A> =>
  candidates.find(Option.isSome) ?? Option.none()

/**
 * The region from the shared config profile (`~/.aws/config`, `AWS_PROFILE`), read by the SDK's
 * own region provider so that it means exactly what the SDK would use.
 */
const profileRegion: Effect.Effect<Option.Option<string>> = Effect.tryPromise(() =>
  import("@smithy/core/config").then(
    ({ loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS, resolveRegionConfig }) =>
      // As an `SQSClient` resolves its region (`config.region()`), without loading the client.
      resolveRegionConfig({
        region: loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS),
        useFipsEndpoint: false
      }).region()
  )
).pipe(
  Effect.map((region) => Option.fromNullishOr(region)),
  Effect.orElseSucceed(() => Option.none<string>())
)

/**
 * Resolves the settings from the options, then the environment, then the local default.
 *
 * @category constructors
 */
export const resolve = Effect.fnUntraced(function* (options: SqsOptions = {}) {
  const fromOption = (value: string | undefined, source: string) =>
    value === undefined || value.trim() === "" ? Option.none() : Option.some({ value: value.trim(), source })

  const endpointSetting = firstOf([
    fromOption(options.endpoint, "--endpoint"),
    yield* optionalEnv("SQS_ENDPOINT"),
    yield* optionalEnv("AWS_ENDPOINT_URL_SQS"),
    yield* optionalEnv("AWS_ENDPOINT_URL")
  ])
  const regionSetting = firstOf([
    fromOption(options.region, "--region"),
    yield* optionalEnv("AWS_REGION"),
    yield* optionalEnv("AWS_DEFAULT_REGION")
  ])
  const configuredRegion = Option.isSome(regionSetting)
    ? Option.some({
        value: yield* checkRegion(regionSetting.value.value, regionSetting.value.source),
        source: regionSetting.value.source
      })
    : Option.map(yield* profileRegion, (value) => ({ value, source: "the AWS config profile" }))

  const transportSetting = firstOf([
    fromOption(options.transport, "--transport"),
    yield* optionalEnv("SQS_TRANSPORT")
  ])
  const transport = Option.isSome(transportSetting)
    ? yield* checkTransport(transportSetting.value.value, transportSetting.value.source)
    : defaultTransport

  const credentialsSetting = firstOf([
    fromOption(options.endpointCredentials, "endpointCredentials"),
    yield* optionalEnv("SQS_ENDPOINT_CREDENTIALS")
  ])
  const endpointCredentials = Option.isSome(credentialsSetting)
    ? yield* checkCredentials(credentialsSetting.value.value, credentialsSetting.value.source)
    : undefined
  yield* rememberEnvironmentSecrets

  if (Option.isSome(endpointSetting)) {
    const { value, source } = endpointSetting.value
    const url = yield* parseEndpoint(value, source)
    const endpoint = url.href.replace(/\/$/, "")
    const settings = {
      mode: "explicit",
      endpoint,
      region: Option.getOrElse(
        Option.map(configuredRegion, (r) => r.value),
        () => LOCAL_REGION
      ),
      loopback: isLoopback(url),
      credentials: credentialsFor(url, endpointCredentials),
      endpointCredentials,
      // A user and password in the URL stay out of every message.
      location: redact(endpoint),
      source,
      transport
    } satisfies SqsSettings
    if (settings.credentials === "placeholder" && !settings.loopback)
      yield* Effect.logInfo(
        `${settings.location} is not an AWS endpoint: requests are signed with placeholder credentials, ` +
          "not yours (SQS_ENDPOINT_CREDENTIALS=aws signs them with the AWS credentials)"
      )
    return settings
  }
  if (Option.isSome(configuredRegion)) {
    const { value, source } = configuredRegion.value
    return {
      mode: "aws",
      endpoint: undefined,
      region: value,
      loopback: false,
      credentials: "aws",
      endpointCredentials,
      location: `AWS SQS in ${value}`,
      source,
      transport
    } satisfies SqsSettings
  }
  yield* Effect.logInfo(
    `No SQS endpoint or AWS region configured: using the local SQS at ${LOCAL_ENDPOINT} ` +
      "(set --endpoint / SQS_ENDPOINT, or --region / AWS_REGION for Amazon SQS)"
  )
  return {
    mode: "local",
    endpoint: LOCAL_ENDPOINT,
    region: LOCAL_REGION,
    loopback: true,
    credentials: endpointCredentials ?? "placeholder",
    endpointCredentials,
    location: LOCAL_ENDPOINT,
    source: "the local default",
    transport
  } satisfies SqsSettings
})

/**
 * Where S3 calls go (large payloads, see `PayloadStore`), decided from the SQS settings.
 *
 * @category models
 */
export interface S3Settings {
  /** The endpoint handed to the SDK; absent for real AWS, where the SDK derives it from the region. */
  readonly endpoint: string | undefined
  readonly region: string
  /** True when requests stay on this machine. */
  readonly loopback: boolean
  /** What requests are signed with: placeholders unless S3 is AWS's, as for SQS. */
  readonly credentials: Credentials
  /** Buckets in the path (`ENDPOINT/BUCKET/KEY`): needed by loopback and most custom endpoints. */
  readonly forcePathStyle: boolean
  /** Where requests go, for messages: the endpoint URL, or `AWS S3 in <region>`. */
  readonly location: string
  /** What decided the endpoint. */
  readonly source: string
}

/**
 * Resolves where S3 calls go, in the SQS settings' region:
 *
 * 1. `AWS_ENDPOINT_URL_S3`, the SDK's own setting for S3, wins.
 * 2. Else a loopback SQS endpoint serves S3 too (the local SQS does, on the same port).
 * 3. Else `AWS_ENDPOINT_URL`, as the SDK would read it.
 * 4. Else real Amazon S3 in the region. An explicit SQS endpoint that is not loopback (a VPC
 *    endpoint, say) is not reused: it serves SQS only.
 *
 * @category constructors
 */
export const resolveS3 = Effect.fnUntraced(function* (sqs: SqsSettings) {
  const explicit = (value: string, source: string) =>
    Effect.map(parseEndpoint(value, source), (url) => {
      const endpoint = url.href.replace(/\/$/, "")
      return {
        endpoint,
        region: sqs.region,
        loopback: isLoopback(url),
        credentials: credentialsFor(url, sqs.endpointCredentials),
        forcePathStyle: true,
        location: redact(endpoint),
        source
      } satisfies S3Settings
    })
  const s3Endpoint = yield* optionalEnv("AWS_ENDPOINT_URL_S3")
  if (Option.isSome(s3Endpoint)) return yield* explicit(s3Endpoint.value.value, s3Endpoint.value.source)
  if (sqs.loopback && sqs.endpoint !== undefined)
    return yield* explicit(sqs.endpoint, `the SQS endpoint (${sqs.source})`)
  const shared = yield* optionalEnv("AWS_ENDPOINT_URL")
  if (Option.isSome(shared)) return yield* explicit(shared.value.value, shared.value.source)
  return {
    endpoint: undefined,
    region: sqs.region,
    loopback: false,
    credentials: "aws",
    forcePathStyle: false,
    location: `AWS S3 in ${sqs.region}`,
    source: "the SQS region"
  } satisfies S3Settings
})
