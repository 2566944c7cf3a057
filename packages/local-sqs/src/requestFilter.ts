/**
 * The local SQS answers only what the project sends it: the SQS API as AWS SDK clients send it.
 *
 * fauxqs also serves SNS (a form-encoded query API), S3 and inspection pages. A web page open in
 * the developer's browser could reach those on 127.0.0.1 with a cross-site form POST: creating a
 * topic, subscribing `BackgroundCheckApp` to it and publishing puts a message in the queue; an
 * `<img>` could read an object. Browsers mark such requests (an Origin header, a CORS preflight)
 * and cannot sign them, while SDK clients always sign (even with placeholder credentials), so a
 * filter in front of fauxqs refuses them. Signatures are not verified: the point is to tell an
 * SDK client from a web page. The inspection pages are never served.
 */

/** What the filter reads of a request (Fastify's request has these). */
export interface RequestHead {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}

/** An API the server serves to signed requests. */
export interface ServedApi {
  readonly name: string
  readonly accepts: (request: RequestHead) => boolean
}

export interface Refusal {
  readonly status: 403 | 404
  /** An AWS error code, for SDK clients. */
  readonly code: string
  readonly message: string
}

const header = (request: RequestHead, name: string): string | undefined => {
  const value = request.headers[name]
  return typeof value === "string" ? value : value?.[0]
}

const mediaType = (contentType: string | undefined) => contentType?.split(";")[0]?.trim().toLowerCase()

const pathOf = (url: string) => url.split("?")[0]

/** AWS SDK v3's SQS client (JSON protocol): `POST /` with the operation in `X-Amz-Target`. */
export const SQS_JSON_API: ServedApi = {
  name: "SQS (AWS JSON protocol)",
  accepts: (request) =>
    request.method === "POST" &&
    pathOf(request.url) === "/" &&
    mediaType(header(request, "content-type")) === "application/x-amz-json-1.0" &&
    header(request, "x-amz-target")?.startsWith("AmazonSQS.") === true
}

/**
 * S3 as SDK clients send it with path-style addressing (`forcePathStyle`, which loopback endpoints
 * need): `/BUCKET` or `/BUCKET/KEY`, never a form or an SQS JSON body. Presigned URLs carry their
 * signature in the query string, not in an Authorization header, and are not served. fauxqs's
 * `/health` page looks like a bucket and stays unserved with the other inspection pages.
 */
export const S3_API: ServedApi = {
  name: "S3 (path-style)",
  accepts: (request) =>
    ["GET", "HEAD", "PUT", "POST", "DELETE"].includes(request.method) &&
    BUCKET_PATH.test(pathOf(request.url) ?? "") &&
    pathOf(request.url) !== "/health" &&
    !["application/x-www-form-urlencoded", "application/x-amz-json-1.0"].includes(
      mediaType(header(request, "content-type")) ?? ""
    )
}

/** A bucket name (3 to 63 lowercase letters, digits, dots and hyphens), then maybe a key. */
const BUCKET_PATH = /^\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/

/**
 * AWS SDK v3's SNS client (query protocol): a form `POST /`. Only signed requests get this far,
 * so a web page's form cannot use it (see above); an SQS action sent this way is not an SNS
 * action and fails there.
 */
export const SNS_QUERY_API: ServedApi = {
  name: "SNS (query protocol)",
  accepts: (request) =>
    request.method === "POST" &&
    pathOf(request.url) === "/" &&
    mediaType(header(request, "content-type")) === "application/x-www-form-urlencoded"
}

/**
 * What the server serves: SQS, and the S3 and SNS that large payloads and SNS fan-out need. The
 * bench's consumers (sqs-consumer, squiss-ts) resolve to the same @aws-sdk/client-sqs as the
 * project, which speaks the JSON protocol only, so SQS's older query protocol is not served.
 */
export const SERVED_APIS: ReadonlyArray<ServedApi> = [SQS_JSON_API, S3_API, SNS_QUERY_API]

/** A DNS-rebinding page reaches 127.0.0.1 under its own host name; SDK clients use the endpoint's. */
const isLoopbackHost = (host: string | undefined): boolean => {
  if (host === undefined) return false
  try {
    const { hostname } = new URL(`http://${host}`)
    return hostname === "127.0.0.1" || hostname === "localhost" || hostname.endsWith(".localhost")
  } catch {
    return false
  }
}

/** An AWS Signature Version 4 Authorization header, by its shape. */
const SIGV4_AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=\S.*\bSignature=[0-9a-f]+/

/** Why the request is refused, or undefined when it may go on to fauxqs. */
export const refusalOf = (
  request: RequestHead,
  served: ReadonlyArray<ServedApi> = SERVED_APIS
): Refusal | undefined => {
  if (request.method === "OPTIONS")
    return {
      status: 403,
      code: "AccessDenied",
      message: "CORS preflight refused: this local SQS answers AWS SDK clients, not web pages"
    }
  if (header(request, "origin") !== undefined)
    return {
      status: 403,
      code: "AccessDenied",
      message:
        "request with an Origin header (from a web page) refused: this local SQS answers AWS SDK clients only"
    }
  if (!isLoopbackHost(header(request, "host")))
    return {
      status: 403,
      code: "AccessDenied",
      message: "Host is not 127.0.0.1 or localhost: refused (a web page reaching 127.0.0.1 by DNS rebinding?)"
    }
  if (!served.some((api) => api.accepts(request)))
    return {
      status: 404,
      code: "InvalidAction",
      message: `not served: this local server serves only ${served.map((api) => api.name).join(", ")}`
    }
  if (!SIGV4_AUTHORIZATION.test(header(request, "authorization") ?? ""))
    return {
      status: 403,
      code: "MissingAuthenticationToken",
      message: "request not signed (AWS Signature Version 4): this local SQS answers AWS SDK clients only"
    }
  return undefined
}

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/**
 * The refusal as the client's protocol reports errors, so an SDK raises it with its code: S3's
 * XML for S3 requests, the query protocol's XML for form-encoded ones, AWS JSON otherwise.
 */
export const refusalResponse = (
  request: RequestHead,
  refusal: Refusal
): { readonly headers: Readonly<Record<string, string>>; readonly body: string } =>
  S3_API.accepts(request)
    ? {
        headers: { "content-type": "application/xml" },
        body: `<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message></Error>`
      }
    : mediaType(header(request, "content-type")) === "application/x-www-form-urlencoded"
      ? {
          headers: { "content-type": "text/xml" },
          body:
            `<ErrorResponse><Error><Type>Sender</Type><Code>${refusal.code}</Code>` +
            `<Message>${escapeXml(refusal.message)}</Message></Error></ErrorResponse>`
        }
      : {
          headers: {
            "content-type": "application/x-amz-json-1.0",
            "x-amzn-query-error": `${refusal.code};Sender`
          },
          body: JSON.stringify({ __type: `com.amazonaws.sqs#${refusal.code}`, message: refusal.message })
        }

/** Installs the filter as the app's first hook, before bodies are read and requests counted. */
export const install = (app: any): void => {
  app.addHook("onRequest", (request: any, reply: any, done: () => void) => {
    const refusal = refusalOf(request)
    if (refusal === undefined) return done()
    const response = refusalResponse(request, refusal)
    reply.code(refusal.status).headers(response.headers).send(response.body)
  })
}
