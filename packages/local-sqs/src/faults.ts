/**
 * Test-only fault injection: make a share of requests or of batch entries fail with a chosen AWS
 * error, or add latency, so that retries, partial failures and a real SQS's round trip can be
 * tested against a real server. A failed batch entry is really not processed (it is taken out of
 * the request before the server sees it) and is reported in the response's `Failed` list, as SQS
 * does.
 *
 * Draws are made from a seeded generator, so a run with the same faults and the same requests
 * fails the same requests and entries every time.
 */

import { actionOf } from "./requestActions.ts"

export interface Faults {
  /**
   * Only requests of this action (e.g. "SendMessageBatch", or "S3.GetObject" for S3's); all SQS
   * actions when absent.
   */
  readonly action?: string
  /** Share of requests (0 to 1) answered with the error instead of being processed. */
  readonly requestFailureRate?: number
  /** Share of the entries of batch requests (0 to 1) failed with the error. */
  readonly entryFailureRate?: number
  /** The AWS error code (default InternalError). */
  readonly code?: string
  /** Whether the error blames the sender (default false: SQS's own failure, worth a retry). */
  readonly senderFault?: boolean
  /** Delay added before each matching request is processed, in milliseconds. */
  readonly latencyMs?: number
  /** Only the next `times` matching requests (default: every matching request until cleared). */
  readonly times?: number
  /** Seed of the generator that decides which requests and entries fail (default 1). */
  readonly seed?: number
  /** Source of randomness in [0, 1), overriding the seeded generator. */
  readonly random?: () => number
}

/** A small seeded generator (mulberry32): the same seed gives the same draws. */
export const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const BATCH_ACTIONS = new Set(["SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"])

interface Removed {
  readonly entries: ReadonlyArray<{ readonly Id: string }>
  readonly code: string
  readonly senderFault: boolean
}

const REMOVED = Symbol("localSqs.removedEntries")

const failedEntry = (entry: { readonly Id: string }, code: string, senderFault: boolean) => ({
  Id: entry.Id,
  SenderFault: senderFault,
  Code: code,
  Message: "injected fault"
})

/** The faults in force, with their own generator and count of requests left. */
export interface Active {
  readonly faults: Faults
  readonly random: () => number
  left: number
}

export const activate = (faults: Faults): Active => ({
  faults,
  random: faults.random ?? seeded(faults.seed ?? 1),
  left: faults.times ?? Number.POSITIVE_INFINITY
})

/** Fails the request, or some of its batch entries, as the faults draw. */
const applyFaults = (
  active: Active,
  action: string,
  request: any,
  reply: any,
  done: (error?: Error) => void
) => {
  const { faults, random } = active
  const code = faults.code ?? "InternalError"
  const senderFault = faults.senderFault ?? false
  if ((faults.requestFailureRate ?? 0) > 0 && random() < faults.requestFailureRate!) {
    if (action.startsWith("S3.")) {
      reply
        .code(senderFault ? 400 : 500)
        .header("content-type", "application/xml")
        .send(`<Error><Code>${code}</Code><Message>injected fault</Message></Error>`)
      return
    }
    reply
      .code(senderFault ? 400 : 500)
      .header("content-type", "application/x-amz-json-1.0")
      .header("x-amzn-query-error", `${code};${senderFault ? "Sender" : "Receiver"}`)
      .send(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message: "injected fault" }))
    return
  }
  const body = typeof request.body === "string" ? JSON.parse(request.body) : request.body
  if (BATCH_ACTIONS.has(action) && (faults.entryFailureRate ?? 0) > 0 && Array.isArray(body?.Entries)) {
    const kept: Array<{ Id: string }> = []
    const removed: Array<{ Id: string }> = []
    for (const entry of body.Entries) (random() < faults.entryFailureRate! ? removed : kept).push(entry)
    if (kept.length === 0) {
      // Every entry fails: answer for them here, since an empty batch is an error in SQS.
      reply
        .code(200)
        .header("content-type", "application/x-amz-json-1.0")
        .send(
          JSON.stringify({
            Successful: [],
            Failed: removed.map((entry) => failedEntry(entry, code, senderFault))
          })
        )
      return
    }
    if (removed.length > 0) {
      body.Entries = kept
      request.body = typeof request.body === "string" ? JSON.stringify(body) : body
      request[REMOVED] = { entries: removed, code, senderFault } satisfies Removed
    }
  }
  done()
}

/**
 * Installs the hooks on the Fastify app: every request waits `baseLatencyMs`, and those the
 * faults in force (`current()`) match wait their `latencyMs` more and may fail.
 */
export const install = (app: any, current: () => Active | undefined, baseLatencyMs: number): void => {
  app.addHook("preHandler", (request: any, reply: any, done: (error?: Error) => void) => {
    const active = current()
    const action = actionOf(request)
    const matches =
      active !== undefined &&
      active.left > 0 &&
      action !== undefined &&
      (active.faults.action === undefined ? !action.startsWith("S3.") : active.faults.action === action)
    if (matches) active.left--
    const proceed = matches ? () => applyFaults(active, action, request, reply, done) : () => done()
    const latency = baseLatencyMs + (matches ? (active.faults.latencyMs ?? 0) : 0)
    if (latency > 0) setTimeout(proceed, latency)
    else proceed()
  })

  app.addHook(
    "onSend",
    (request: any, _reply: unknown, payload: unknown, done: (error: null, payload: unknown) => void) => {
      const removed = request[REMOVED] as Removed | undefined
      if (removed === undefined || typeof payload !== "string") return done(null, payload)
      const output = JSON.parse(payload)
      output.Failed = [
        ...(output.Failed ?? []),
        ...removed.entries.map((entry) => failedEntry(entry, removed.code, removed.senderFault))
      ]
      done(null, JSON.stringify(output))
    }
  )
}
