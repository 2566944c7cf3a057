/**
 * SigV4 signing for the lean transport, synchronous, over `node:crypto`.
 *
 * A request is signed as the SDK's signer (`@smithy/signature-v4`) signs it: every header it
 * carries (the transport sends no `user-agent` through here, the one header the SDK leaves out),
 * `x-amz-date`, a session token in `x-amz-security-token` when the credentials carry one, and
 * the body's SHA-256 in `x-amz-content-sha256`. The signing key depends only on the secret, the
 * day, the region and the service, so it is derived once a day per set of credentials rather
 * than with four HMACs per request. The tests check it against AWS's SigV4 test suite and the
 * SDK's signer.
 */
import { createHmac, hash } from "node:crypto"
import type { Credentials } from "../credentials.ts"

/** What is signed: header names in lower case, the path already in its canonical form. */
export interface SignableRequest {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface Scope {
  readonly region: string
  readonly service: string
  /** Send and sign `x-amz-content-sha256`, as the SDK does (default true). */
  readonly contentSha256?: boolean | undefined
}

/** Signs requests at a time in Clock millis: the headers to send, `authorization` included. */
export type Sign = (
  request: SignableRequest,
  credentials: Credentials,
  nowMillis: number
) => Record<string, string>

const ALGORITHM = "AWS4-HMAC-SHA256"

/** `20150830T123600Z` for a time. */
export const amzDate = (millis: number): string => {
  const iso = new Date(millis).toISOString()
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest()

const deriveKey = (secret: string, day: string, region: string, service: string): Buffer =>
  hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), "aws4_request")

/** Keys kept at once: a process has one set of credentials, renewed now and then. */
const MAX_KEYS = 16

/**
 * A signer for one scope, with its own cache of signing keys by (secret, day); the region and
 * service are the scope's. Header values are trimmed and inner runs of spaces folded, as SigV4
 * canonicalises them.
 */
export const make = (scope: Scope): Sign => {
  const keys = new Map<string, Buffer>()
  const keyFor = (secret: string, day: string): Buffer => {
    const id = `${day}/${secret}`
    const known = keys.get(id)
    if (known !== undefined) return known
    if (keys.size >= MAX_KEYS) keys.clear()
    const key = deriveKey(secret, day, scope.region, scope.service)
    keys.set(id, key)
    return key
  }
  const scopeTail = `/${scope.region}/${scope.service}/aws4_request`
  const withContentSha256 = scope.contentSha256 ?? true

  return (request, credentials, nowMillis) => {
    const date = amzDate(nowMillis)
    const day = date.slice(0, 8)
    const payloadHash = hash("sha256", request.body)
    const headers: Record<string, string> = { ...request.headers, "x-amz-date": date }
    if (credentials.sessionToken !== undefined) headers["x-amz-security-token"] = credentials.sessionToken
    if (withContentSha256) headers["x-amz-content-sha256"] = payloadHash

    const names = Object.keys(headers).sort()
    let canonicalHeaders = ""
    for (const name of names) {
      canonicalHeaders += `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}\n`
    }
    const signedHeaders = names.join(";")
    const canonicalRequest = `${request.method}\n${request.path}\n\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`
    const credentialScope = `${day}${scopeTail}`
    const stringToSign = `${ALGORITHM}\n${date}\n${credentialScope}\n${hash("sha256", canonicalRequest)}`
    const signature = createHmac("sha256", keyFor(credentials.secretAccessKey, day))
      .update(stringToSign)
      .digest("hex")
    headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
    return headers
  }
}
