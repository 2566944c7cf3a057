/**
 * How a queue is named by users: a queue name, a queue URL, or a queue ARN.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import type { SqsSettings } from "./SqsConfig.ts"

/**
 * @category models
 */
export type QueueRef =
  | { readonly _tag: "Name"; readonly name: string }
  | {
      readonly _tag: "Url"
      readonly name: string
      readonly url: string
      readonly accountId: string | undefined
    }
  | { readonly _tag: "Arn"; readonly name: string; readonly region: string; readonly accountId: string }

/**
 * A queue reference that is none of a name, a URL or an ARN.
 *
 * @category errors
 */
export class InvalidQueueRef extends Schema.TaggedError<InvalidQueueRef>()("InvalidQueueRef", {
  message: Schema.String
}) {}

/** SQS queue names: 1 to 80 characters of `[A-Za-z0-9_-]`, FIFO names ending in `.fifo`. */
const NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$|^[A-Za-z0-9_-]{1,80}$/
const ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):(.+)$/

/**
 * Reads a queue reference.
 *
 * @category constructors
 */
export const parse = (input: string): QueueRef | InvalidQueueRef => {
  const value = input.trim()
  const arn = ARN.exec(value)
  if (arn !== null) {
    const [, region = "", accountId = "", name = ""] = arn
    return NAME.test(name) ? { _tag: "Arn", name, region, accountId } : invalid(input)
  }
  if (/^https?:\/\//.test(value)) {
    if (!URL.canParse(value)) return invalid(input)
    const segments = new URL(value).pathname.split("/").filter((segment) => segment !== "")
    const name = segments.at(-1) ?? ""
    const accountId = segments.length >= 2 ? segments.at(-2) : undefined
    return NAME.test(name) ? { _tag: "Url", name, url: value, accountId } : invalid(input)
  }
  return NAME.test(value) ? { _tag: "Name", name: value } : invalid(input)
}

const invalid = (input: string) =>
  new InvalidQueueRef({
    message:
      `"${input}" is not a queue name, URL or ARN ` +
      "(a name is 1 to 80 characters of letters, digits, - and _, FIFO names end in .fifo)"
  })

/**
 * True for FIFO queue names.
 *
 * @category predicates
 */
export const isFifoName = (name: string): boolean => name.endsWith(".fifo")

/** Amazon SQS hosts: `sqs.<region>.amazonaws.com` (or `sqs-fips.`), and the legacy `<region>.queue.amazonaws.com`. */
const AWS_HOST = /^(?:sqs(?:-fips)?\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com(?:\.cn)?$/

/**
 * The AWS region of an Amazon SQS URL, or undefined for any other host (a local server, say).
 *
 * @category constructors
 */
export const awsRegionOf = (url: string): string | undefined => {
  if (!URL.canParse(url)) return undefined
  const match = AWS_HOST.exec(new URL(url).hostname)
  return match === null ? undefined : (match[1] ?? match[2])
}

/**
 * True for hosts that name this machine: loopback addresses, `localhost` and its subdomains
 * (fauxqs names queues `sqs.<region>.localhost`), and LocalStack's `*.localhost.localstack.cloud`,
 * which resolves to 127.0.0.1.
 */
const isLocalHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "")
  return (
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === "::1" ||
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "localhost.localstack.cloud" ||
    host.endsWith(".localhost.localstack.cloud")
  )
}

/**
 * True when requests sent to `endpoint` reach the server a (non-AWS) queue URL names: the same
 * host, or a queue URL on this machine. Local servers (fauxqs, LocalStack, ElasticMQ) look a queue
 * up by the name in its URL whatever its host and port, and often hand out `localhost` URLs while
 * they are reached under another name (a container's, say); a URL naming another machine, though,
 * means another server.
 */
const sameServer = (url: URL, endpoint: URL): boolean =>
  url.hostname.toLowerCase() === endpoint.hostname.toLowerCase() || isLocalHost(url.hostname)

/**
 * Refuses a reference that a client with these settings cannot reach as given, saying what to
 * change; undefined when it can. A URL is used exactly as given and an ARN's region and account
 * are honoured, so one that points elsewhere than the client's endpoint and region would reach
 * the wrong queue (or be signed for the wrong region). Requests always go to the client's
 * endpoint, so a URL on another host than the endpoint's is refused too: it would reach a queue of
 * the same name on the endpoint's server instead of the one the URL names.
 *
 * @category constructors
 */
export const unreachable = (ref: QueueRef, settings: SqsSettings): InvalidQueueRef | undefined => {
  const target =
    settings.mode === "aws" ? settings.location : `${settings.location} (region ${settings.region})`
  if (ref._tag === "Arn") {
    return ref.region === settings.region
      ? undefined
      : new InvalidQueueRef({
          message: `queue ARN ${arnOf(ref)} is in ${ref.region}, but requests go to ${target}: set --region ${ref.region} (or AWS_REGION)`
        })
  }
  if (ref._tag === "Name") return undefined
  const region = awsRegionOf(ref.url)
  const endpointRegion = settings.endpoint === undefined ? settings.region : awsRegionOf(settings.endpoint)
  if (region === undefined) {
    const url = new URL(ref.url)
    if (endpointRegion !== undefined) {
      return new InvalidQueueRef({
        message: `queue URL ${ref.url} is not an Amazon SQS URL, but requests go to ${target}: pass --endpoint ${url.origin} to use that server`
      })
    }
    // An endpoint that is not Amazon SQS's (so defined, and a URL: SqsConfig checked it).
    const endpoint = new URL(settings.endpoint ?? "")
    return sameServer(url, endpoint)
      ? undefined
      : new InvalidQueueRef({
          message:
            `queue URL ${ref.url} is on host ${url.hostname}, which differs from the endpoint's host ` +
            `${endpoint.hostname} (requests go to ${settings.location}): pass --endpoint ${url.origin} ` +
            `(or set SQS_ENDPOINT) to use that server, or --queue ${ref.name} for the queue of that name at ${settings.location}`
        })
  }
  if (endpointRegion === undefined) {
    return new InvalidQueueRef({
      message: `queue URL ${ref.url} is on Amazon SQS in ${region}, but requests go to ${target}: drop --endpoint (and SQS_ENDPOINT) and set --region ${region}`
    })
  }
  return region === settings.region && region === endpointRegion
    ? undefined
    : new InvalidQueueRef({
        message: `queue URL ${ref.url} is in ${region}, but requests go to ${target}: set --region ${region} (or AWS_REGION)`
      })
}

const arnOf = (ref: { readonly name: string; readonly region: string; readonly accountId: string }) =>
  `arn:aws:sqs:${ref.region}:${ref.accountId}:${ref.name}`
