/**
 * HTTP for the lean transport: one undici `Agent` (a keep-alive connection pool per origin) for
 * the scope's lifetime.
 *
 * Each request is cancellable: interrupting its fiber aborts it (undici's `signal`), and closing
 * the scope destroys the pool. Failures are the network errors undici raises (codes such as
 * ECONNREFUSED, UND_ERR_SOCKET, UND_ERR_CONNECT_TIMEOUT) for `SqsError.classify`; undici's own
 * header and body timeouts are renamed to ETIMEDOUT so that they classify as a lost connection.
 * An answer is read up to the most it may be (`maxBytes`): one that says it is longer is refused
 * unread, and one that turns out longer stops being read there.
 */
import type { IncomingHttpHeaders } from "node:http"
import { Effect, type Scope } from "effect"
import { Agent } from "undici"
import { BodyTooLarge, readAtMost } from "../boundedBody.ts"
import type { Target } from "./endpoint.ts"

export interface Response {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface Http {
  readonly post: (
    target: Target,
    headers: Readonly<Record<string, string>>,
    body: string,
    maxBytes: number
  ) => Effect.Effect<Response, unknown>
}

export interface Options {
  /** How long connecting may take before the endpoint counts as unreachable (default 5 s, as `SqsClient`). */
  readonly connectTimeoutMillis?: number | undefined
  /**
   * undici's own deadline for the response head and each body chunk: a backstop only, since
   * every call has its deadline in `SqsClient` (default 60 s, above a 20 s long poll plus the 5 s
   * request timeout).
   */
  readonly responseTimeoutMillis?: number | undefined
  /**
   * How long an idle connection is kept for reuse (default 15 s). It must stay below the
   * server's own idle timeout, or a request may go out on a connection the server is closing
   * (a send that fails so is not retried); undici also honours a `Keep-Alive: timeout` hint.
   */
  readonly keepAliveMillis?: number | undefined
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"])

/** A response that stopped coming is a lost connection, as the SDK's request timeout is. */
const asNetworkError = (error: unknown): unknown =>
  error instanceof Error && TIMEOUT_CODES.has((error as { code?: unknown }).code as string)
    ? Object.assign(new Error(error.message, { cause: error }), { code: "ETIMEDOUT" })
    : error

export const make = (options: Options = {}): Effect.Effect<Http, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(
        () =>
          new Agent({
            connect: { timeout: options.connectTimeoutMillis ?? 5_000 },
            headersTimeout: options.responseTimeoutMillis ?? 60_000,
            bodyTimeout: options.responseTimeoutMillis ?? 60_000,
            keepAliveTimeout: options.keepAliveMillis ?? 15_000
          })
      ),
      // Requests still open at this point belong to interrupted fibers.
      (agent) => Effect.ignore(Effect.tryPromise(() => agent.destroy()))
    ),
    (agent): Http => ({
      post: (target, headers, body, maxBytes) =>
        Effect.tryPromise({
          try: (signal) =>
            agent.request({
              origin: target.origin,
              path: target.path,
              method: "POST",
              headers,
              body,
              signal
            }),
          catch: asNetworkError
        }).pipe(
          Effect.flatMap((response) =>
            readAtMost(response.body, maxBytes, Number(response.headers["content-length"])).pipe(
              // The status goes with an answer too long to read, as the SDK's errors carry it.
              Effect.mapError((error) =>
                error instanceof BodyTooLarge
                  ? Object.assign(error, { $metadata: { httpStatusCode: response.statusCode } })
                  : asNetworkError(error)
              ),
              Effect.map(
                (bytes): Response => ({
                  status: response.statusCode,
                  headers: response.headers,
                  body: bytes.toString("utf8")
                })
              )
            )
          )
        )
    })
  )
