/**
 * Takes secrets out of text before it is printed.
 *
 * Error text that SQS sends back can echo the request it refused: a SignatureDoesNotMatch message
 * quotes the canonical request, with its `x-amz-security-token` header, the credential scope with
 * the access key id, and the signature. Endpoint URLs can carry a user and password. Every
 * message this package builds from outside text goes through `redact`.
 *
 * Patterns find secrets labelled as such. A server can also echo them bare, so the values of
 * the credentials this process uses are remembered (`addSecret`: the configuration does it for
 * the environment's, the credential chains for every set they give) and taken out wherever they
 * appear, in their obvious encodings too (URL and form encoding, JSON escaping, base64).
 *
 * @since 0.3.0
 */

const HIDDEN = "[redacted]"

/** Each pattern keeps its first group (the field's name) and hides the rest of the match. */
const PATTERNS: ReadonlyArray<RegExp> = [
  // Security tokens, as a header (`x-amz-security-token:...`) or a query/form field (`X-Amz-Security-Token=...`).
  /(x-amz-security-token\s*[:=]\s*)[^\s&'",;]+/gi,
  // The signature of a request, in the Authorization header or a presigned URL.
  /(\bsignature\s*[:=]\s*)[^\s&'",;]+/gi,
  /(x-amz-signature\s*[:=]\s*)[^\s&'",;]+/gi,
  // The credential scope (`Credential=AKIA.../20261129/us-east-1/sqs/aws4_request`).
  /(\bcredential\s*[:=]\s*)[^\s&'",;]+/gi,
  /(x-amz-credential\s*[:=]\s*)[^\s&'",;]+/gi,
  // Secret keys and session tokens named as such (`aws_secret_access_key = ...`, `"SessionToken":"..."`).
  /((?:secret[_-]?access[_-]?key|session[_-]?token|secretkey)["']?\s*[:=]\s*["']?)[^\s&'",;]+/gi,
  // A user and password in a URL (`http://user:password@host`, the password possibly unencoded).
  /(\b[a-z][a-z0-9+.-]*:\/\/)(?:[^\s@/:]*:[^\s@]*|[^\s@/:]+)@/gi
]

/** Access key ids (long-term `AKIA`, temporary `ASIA`) wherever they appear. */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g

/** Shorter values are not secrets worth the false matches (the placeholders `local`, say). */
const MIN_SECRET_LENGTH = 8

/** The known secrets in every form they are looked for in, longest first. */
const known: Array<string> = []

/** A value as it can appear in text: as it is, URL- or form-encoded, JSON-escaped, base64. */
const encodings = (value: string): ReadonlyArray<string> => {
  const base64 = Buffer.from(value).toString("base64")
  return [
    value,
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, "+"),
    JSON.stringify(value).slice(1, -1),
    value.replace(/\//g, "\\/"),
    base64,
    base64.replace(/=+$/, ""),
    Buffer.from(value).toString("base64url")
  ]
}

/**
 * Remembers a secret's value (a secret access key, a session token, an access key id), so that
 * `redact` takes it out of any text from now on. Values under 8 characters are ignored.
 *
 * @category redaction
 */
export const addSecret = (value: string | undefined): void => {
  if (value === undefined || value.length < MIN_SECRET_LENGTH) return
  let added = false
  for (const form of encodings(value)) {
    if (form.length >= MIN_SECRET_LENGTH && !known.includes(form)) {
      known.push(form)
      added = true
    }
  }
  if (added) known.sort((a, b) => b.length - a.length)
}

/**
 * The text with credentials, signatures, security tokens and URL passwords replaced by
 * `[redacted]`, and every secret remembered by `addSecret` wherever it appears.
 *
 * @category redaction
 */
export const redact = (text: string): string => {
  let redacted = text
  for (const secret of known) {
    if (redacted.includes(secret)) redacted = redacted.split(secret).join(HIDDEN)
  }
  return PATTERNS.reduce(
    (partly, pattern) =>
      partly.replace(pattern, (_match, name: string) =>
        name.endsWith("//") ? `${name}${HIDDEN}@` : `${name}${HIDDEN}`
      ),
    redacted
  ).replace(ACCESS_KEY_ID, HIDDEN)
}
