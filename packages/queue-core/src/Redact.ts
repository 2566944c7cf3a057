/**
 * Takes secrets out of text before it is printed.
 *
 * Error text that SQS sends back can echo the request it refused: a SignatureDoesNotMatch message
 * quotes the canonical request, with its `x-amz-security-token` header, the credential scope with
 * the access key id, and the signature. Endpoint URLs can carry a user and password. Every
 * message this package builds from outside text goes through `redact`.
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

/**
 * The text with credentials, signatures, security tokens and URL passwords replaced by
 * `[redacted]`.
 *
 * @category redaction
 */
export const redact = (text: string): string =>
  PATTERNS.reduce(
    (redacted, pattern) =>
      redacted.replace(pattern, (_match, name: string) =>
        name.endsWith("//") ? `${name}${HIDDEN}@` : `${name}${HIDDEN}`
      ),
    text
  ).replace(ACCESS_KEY_ID, HIDDEN)
