/**
 * Vectors of AWS's SigV4 test suite (aws-sig-v4-test-suite, as vendored by github:mhart/aws4 at
 * test/aws-sig-v4-test-suite, commit 9d00a5a), those that apply to what the lean transport sends:
 * requests with headers (names in any case, values to trim) and bodies, POSTs, and a session
 * token signed as a header (post-sts-header-before). Left out: path normalisation, query strings,
 * UTF-8 paths, and duplicate or multi-line headers, none of which the transport ever sends.
 *
 * Every vector signs at 2015-08-30T12:36:00Z, in us-east-1, for service `service`, with the
 * suite's credentials; `x-amz-date` (and the token) are left out of `headers` because the signer
 * adds them itself. None sends `x-amz-content-sha256`.
 */

export const SUITE_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
}

export const SUITE_TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

export const SUITE_TIME = Date.UTC(2015, 7, 30, 12, 36, 0)

export interface Vector {
  readonly name: string
  readonly method: string
  readonly path: string
  /** As the `.req` file has them, names in lower case, values untrimmed. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly withToken: boolean
  /** The `.authz` file: the Authorization header expected. */
  readonly authorization: string
}

export const VECTORS: ReadonlyArray<Vector> = [
  {
    name: "get-vanilla",
    method: "GET",
    path: "/",
    headers: { host: "example.amazonaws.com" },
    body: "",
    withToken: false,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
  },
  {
    name: "post-vanilla",
    method: "POST",
    path: "/",
    headers: { host: "example.amazonaws.com" },
    body: "",
    withToken: false,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
  },
  {
    name: "post-header-key-case",
    method: "POST",
    path: "/",
    headers: { host: "example.amazonaws.com" },
    body: "",
    withToken: false,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
  },
  {
    name: "post-header-key-sort",
    method: "POST",
    path: "/",
    headers: { host: "example.amazonaws.com", "my-header1": "value1" },
    body: "",
    withToken: false,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"
  },
  {
    name: "post-header-value-case",
    method: "POST",
    path: "/",
    headers: { host: "example.amazonaws.com", "my-header1": "VALUE1" },
    body: "",
    withToken: false,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"
  },
  {
    name: "get-header-value-trim",
    method: "GET",
    path: "/",
    headers: { host: "example.amazonaws.com", "my-header1": " value1", "my-header2": ' "a   b   c"' },
    body: "",
    withToken: false,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    path: "/",
    headers: { "content-type": "application/x-www-form-urlencoded", host: "example.amazonaws.com" },
    body: "Param1=value1",
    withToken: false,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
  },
  {
    name: "post-x-www-form-urlencoded-parameters",
    method: "POST",
    path: "/",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf8",
      host: "example.amazonaws.com"
    },
    body: "Param1=value1",
    withToken: false,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"
  },
  {
    name: "post-sts-header-before",
    method: "POST",
    path: "/",
    headers: { host: "example.amazonaws.com" },
    body: "",
    withToken: true,
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"
  }
]
