/**
 * A SigV4 verifier: a loopback HTTP proxy in front of a local SQS that recomputes each request's
 * signature with an independent implementation (the `aws4` package) for known credentials, and
 * answers 403 SignatureDoesNotMatch, as SQS would, when it differs. Requests that pass are
 * forwarded byte for byte, headers as received, so the local SQS builds queue URLs that point
 * back at the verifier.
 *
 * Beyond the signature it checks what a signature alone would let slip: the credential scope
 * (region, service `sqs`), that the headers that matter are signed (host, date, target, content
 * type, and the session token when the credentials have one), and that a signed
 * `x-amz-content-sha256` is the hash of the body received (`aws4` trusts that header).
 */
import { createHash } from "node:crypto"
import { createServer, request as forward, type IncomingHttpHeaders, type Server } from "node:http"
import aws4 from "aws4"

export interface KnownCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface VerifiedRequest {
  readonly action: string
  readonly signedHeaders: ReadonlyArray<string>
  readonly headers: IncomingHttpHeaders
}

export interface Verifier {
  /** `http://127.0.0.1:PORT`: the endpoint to give clients instead of the local SQS's. */
  readonly endpoint: string
  /** Requests whose signature matched, in order. */
  readonly verified: Array<VerifiedRequest>
  /** Why each refused request was refused, in order. */
  readonly refused: Array<string>
  /** How many forwarded requests the client gave up on (closed) before their answer was sent. */
  readonly aborted: () => number
  readonly stop: () => Promise<void>
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/

/** Headers that must be signed for the request to mean what it says. */
const MUST_SIGN = ["host", "x-amz-date", "x-amz-target", "content-type"]

const single = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" ? value : value?.[0]

/** Why the request's signature is not the one `aws4` computes, or undefined when it is. */
export const mismatchOf = (
  request: {
    readonly method: string
    readonly path: string
    readonly headers: IncomingHttpHeaders
    readonly body: Buffer
  },
  credentials: KnownCredentials,
  region: string
): string | undefined => {
  const authorization = single(request.headers.authorization)
  const parsed = authorization === undefined ? null : AUTHORIZATION.exec(authorization)
  if (parsed === null) return `malformed Authorization: ${authorization}`
  const [, keyId, , scopeRegion, service, signedList] = parsed
  if (keyId !== credentials.accessKeyId) return `unknown access key ${keyId}`
  if (scopeRegion !== region || service !== "sqs")
    return `scope ${scopeRegion}/${service}, expected ${region}/sqs`
  const signed = signedList!.split(";")
  const unsigned = [
    ...MUST_SIGN,
    ...(credentials.sessionToken === undefined ? [] : ["x-amz-security-token"])
  ].filter((name) => !signed.includes(name))
  if (unsigned.length > 0) return `not signed: ${unsigned.join(", ")}`
  const contentHash = single(request.headers["x-amz-content-sha256"])
  if (contentHash !== undefined && contentHash !== createHash("sha256").update(request.body).digest("hex")) {
    return "x-amz-content-sha256 is not the hash of the body"
  }
  const date = single(request.headers["x-amz-date"])
  if (date === undefined) return "no x-amz-date"
  // Exactly the headers the request says it signed; the token is the known one, not the received one.
  const headers: Record<string, string> = {}
  for (const name of signed) {
    const value = single(request.headers[name])
    if (value === undefined) return `signed header ${name} is missing`
    headers[name] = value
  }
  if (credentials.sessionToken !== undefined) headers["x-amz-security-token"] = credentials.sessionToken
  const signer = new aws4.RequestSigner(
    {
      method: request.method,
      host: headers.host!,
      path: request.path,
      service: "sqs",
      region,
      headers,
      body: request.body,
      doNotModifyHeaders: true
    },
    credentials
  )
  signer.datetime = date
  const expected = signer.authHeader()
  return expected === authorization
    ? undefined
    : `signature mismatch: expected ${expected}, got ${authorization}`
}

const refuse = (response: import("node:http").ServerResponse, why: string) => {
  response.writeHead(403, {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-query-error": "SignatureDoesNotMatch;Sender"
  })
  response.end(
    JSON.stringify({
      __type: "com.amazonaws.sqs#SignatureDoesNotMatch",
      message: `The request signature we calculated does not match the signature you provided (${why})`
    })
  )
}

/** Starts a verifier on 127.0.0.1 in front of `upstream` (a local SQS endpoint). */
export const startVerifier = (options: {
  readonly upstream: string
  readonly credentials: KnownCredentials
  readonly region: string
  /** Test only: rewrites the body of the local SQS's answer to an action (a tampering network). */
  readonly rewrite?: ((action: string, body: string) => string) | undefined
}): Promise<Verifier> => {
  const upstream = new URL(options.upstream)
  const verified: Array<VerifiedRequest> = []
  const refused: Array<string> = []
  let aborted = 0
  const server: Server = createServer((incoming, response) => {
    const chunks: Array<Buffer> = []
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
    incoming.on("end", () => {
      const body = Buffer.concat(chunks)
      const why = mismatchOf(
        { method: incoming.method ?? "GET", path: incoming.url ?? "/", headers: incoming.headers, body },
        options.credentials,
        options.region
      )
      if (why !== undefined) {
        refused.push(why)
        return refuse(response, why)
      }
      const action = single(incoming.headers["x-amz-target"])?.replace("AmazonSQS.", "") ?? ""
      verified.push({
        action,
        signedHeaders: AUTHORIZATION.exec(single(incoming.headers.authorization)!)![5]!.split(";"),
        headers: incoming.headers
      })
      response.on("close", () => {
        if (!response.writableFinished) aborted++
      })
      const onward = forward(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
          // A connection of its own: a reused one that the local SQS closed as this request went
          // out would be a reset the client never caused (seen on a CI machine under full load).
          agent: false
        },
        (answer) => {
          const rewrite = options.rewrite
          if (rewrite === undefined) {
            response.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(response)
            return
          }
          const parts: Array<Buffer> = []
          answer.on("data", (chunk: Buffer) => parts.push(chunk))
          answer.on("end", () => {
            const rewritten = Buffer.from(rewrite(action, Buffer.concat(parts).toString("utf8")))
            response.writeHead(answer.statusCode ?? 502, {
              ...answer.headers,
              "content-length": String(rewritten.length)
            })
            response.end(rewritten)
          })
        }
      )
      onward.on("error", () => response.destroy())
      onward.end(body)
    })
  })
  // The client keeps connections to this proxy open between tests; Node's 5 s default closes them
  // under its feet when a loaded machine runs its timers late.
  server.keepAliveTimeout = 60_000
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        verified,
        refused,
        aborted: () => aborted,
        stop: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })
}
