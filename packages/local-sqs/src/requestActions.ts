/**
 * The action a request asks for, by the names tests and fault injection use: SQS's own
 * (`SendMessageBatch`, from its `X-Amz-Target`), and S3's prefixed with `S3.` (`S3.GetObject`,
 * from the method and path, as S3's path-style API reads). SNS requests carry theirs in the body
 * and have none here.
 */

/** What this module reads of a request. */
export interface RequestLine {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}

const s3Operation = (method: string, url: string): string | undefined => {
  const [path = "", query = ""] = url.split("?")
  const hasKey = path.indexOf("/", 1) > 0 && path.indexOf("/", 1) < path.length - 1
  const params = new URLSearchParams(query)
  switch (method) {
    case "GET":
      return hasKey ? "GetObject" : path === "/" ? "ListBuckets" : "ListObjects"
    case "HEAD":
      return hasKey ? "HeadObject" : "HeadBucket"
    case "PUT":
      return hasKey ? (params.has("partNumber") ? "UploadPart" : "PutObject") : "CreateBucket"
    case "DELETE":
      return hasKey ? "DeleteObject" : "DeleteBucket"
    case "POST":
      if (params.has("delete")) return "DeleteObjects"
      return params.has("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload"
    default:
      return undefined
  }
}

export const actionOf = (request: RequestLine): string | undefined => {
  const target = request.headers["x-amz-target"]
  if (typeof target === "string") return target.replace("AmazonSQS.", "")
  const contentType = request.headers["content-type"]
  if (request.method === "POST" && request.url.split("?")[0] === "/") return undefined
  if (typeof contentType === "string" && contentType.includes("x-www-form-urlencoded")) return undefined
  const operation = s3Operation(request.method, request.url)
  return operation === undefined ? undefined : `S3.${operation}`
}
