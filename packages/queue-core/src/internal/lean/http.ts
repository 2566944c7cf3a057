/**
 * HTTP for the lean transport: one undici `Pool` (keep-alive connections) per origin for the
 * scope's lifetime, and each request dispatched on it with a handler of our own, its cheapest
 * path: no promise, no abort signal and no body stream per request (about a third less CPU per
 * request than `Agent.request` with a signal, measured).
 *
 * Each request carries its deadline as undici's `headersTimeout` and `bodyTimeout`, which run on
 * undici's shared coarse timers (deadlines over a second fire up to about a second late) instead
 * of a timer per request; it fails with `NoAnswer`. Interrupting its fiber aborts it, and closing
 * the scope destroys the pools. Other failures are the network errors undici raises (codes such
 * as ECONNREFUSED, UND_ERR_SOCKET, UND_ERR_CONNECT_TIMEOUT) for `SqsError.classify`. An answer is
 * read up to the most it may be (`maxBytes`): one that says it is longer is refused unread, and
 * one that turns out longer stops being read there.
 */
import type { IncomingHttpHeaders } from "node:http"
import { Effect, type Scope } from "effect"
import type { Dispatcher, Pool as UndiciPoolType } from "undici"
// @ts-expect-error: undici has no types for its own modules; typed from its index just below.
import UndiciPool from "undici/lib/dispatcher/pool.js"
import { BodyTooLarge, Bounded } from "../boundedBody.ts"
import type { Target } from "./endpoint.ts"

/**
 * undici's `Pool` from its own module: undici's index also loads fetch, WebSocket, the cache and
 * the mock agent, about 15 MB of resident memory never used here (undici is pinned to one
 * version in the catalog, so the path does not move under us).
 */
const Pool = UndiciPool as typeof UndiciPoolType
type Pool = UndiciPoolType

export interface Response {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** No answer, or no more of it, within the request's deadline. */
export class NoAnswer extends Error {
  override readonly name = "NoAnswer"
}

export interface Http {
  readonly post: (
    target: Target,
    headers: Readonly<Record<string, string>>,
    body: string,
    maxBytes: number,
    deadlineMillis: number
  ) => Effect.Effect<Response, unknown>
}

export interface Options {
  /** How long connecting may take before the endpoint counts as unreachable (default 5 s, as `SqsClient`). */
  readonly connectTimeoutMillis?: number | undefined
  /**
   * How long an idle connection is kept for reuse (default 15 s). It must stay below the
   * server's own idle timeout, or a request may go out on a connection the server is closing
   * (a send that fails so is not retried); undici also honours a `Keep-Alive: timeout` hint.
   */
  readonly keepAliveMillis?: number | undefined
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"])

const isTimeout = (error: Error): boolean => TIMEOUT_CODES.has((error as { code?: unknown }).code as string)

/** Why a request ended early, told by what `abort` was given. */
const INTERRUPTED = new Error("interrupted")

/** An answer longer than `limit` bytes, with its status. */
export class AnswerTooLarge extends BodyTooLarge {
  readonly status: number
  constructor(limit: number, status: number) {
    super(limit)
    this.status = status
  }
}

const declaredLength = (headers: IncomingHttpHeaders): number => Number(headers["content-length"])

export const make = (options: Options = {}): Effect.Effect<Http, never, Scope.Scope> =>
  Effect.gen(function* () {
    const pools = new Map<string, Pool>()
    yield* Effect.addFinalizer(() =>
      // Requests still open at this point belong to interrupted fibers.
      Effect.forEach(pools.values(), (pool) => Effect.ignore(Effect.tryPromise(() => pool.destroy())), {
        discard: true
      })
    )
    const poolFor = (origin: string): Pool => {
      const known = pools.get(origin)
      if (known !== undefined) return known
      const pool = new Pool(origin, {
        connect: { timeout: options.connectTimeoutMillis ?? 5_000 },
        keepAliveTimeout: options.keepAliveMillis ?? 15_000
      })
      pools.set(origin, pool)
      return pool
    }

    const post: Http["post"] = (target, headers, body, maxBytes, deadlineMillis) =>
      Effect.callback<Response, unknown>((resume) => {
        let controller: Dispatcher.DispatchController | undefined
        let interrupted = false
        let status = 0
        let responseHeaders: IncomingHttpHeaders = {}
        const bounded = new Bounded(maxBytes)
        let done = false
        const finish = (result: Effect.Effect<Response, unknown>) => {
          if (done) return
          done = true
          resume(result)
        }
        const handler: Dispatcher.DispatchHandler = {
          onRequestStart(started) {
            controller = started
            // Interrupted while waiting for a connection.
            if (interrupted) started.abort(INTERRUPTED)
          },
          onResponseStart(started, statusCode, received) {
            status = statusCode
            responseHeaders = received
            if (declaredLength(received) > maxBytes) {
              finish(Effect.fail(new AnswerTooLarge(maxBytes, statusCode)))
              started.abort(INTERRUPTED)
            }
          },
          onResponseData(started, chunk) {
            if (!bounded.add(chunk)) {
              finish(Effect.fail(new AnswerTooLarge(maxBytes, status)))
              started.abort(INTERRUPTED)
            }
          },
          onResponseEnd() {
            finish(
              Effect.succeed({ status, headers: responseHeaders, body: bounded.bytes().toString("utf8") })
            )
          },
          onResponseError(_controller, error) {
            if (error === INTERRUPTED) return
            finish(Effect.fail(isTimeout(error) ? new NoAnswer(error.message, { cause: error }) : error))
          }
        }
        poolFor(target.origin).dispatch(
          {
            path: target.path,
            method: "POST",
            headers,
            body,
            headersTimeout: deadlineMillis,
            bodyTimeout: deadlineMillis
          },
          handler
        )
        return Effect.sync(() => {
          done = true
          interrupted = true
          controller?.abort(INTERRUPTED)
        })
      })

    return { post }
  })
