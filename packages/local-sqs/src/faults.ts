/**
 * Test-only fault injection: make a share of requests or of batch entries fail with a chosen AWS
 * error, or add latency, so that retries and partial failures can be tested against a real
 * server. A failed batch entry is really not processed (it is taken out of the request before
 * the server sees it) and is reported in the response's `Failed` list, as SQS does.
 */

export interface Faults {
  /** Only requests of this action (e.g. "SendMessageBatch"); all actions when absent. */
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
  /** Source of randomness, for deterministic tests (default Math.random). */
  readonly random?: () => number
}

const BATCH_ACTIONS = new Set(["SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"])

interface Removed {
  readonly entries: ReadonlyArray<{ readonly Id: string }>
  readonly code: string
  readonly senderFault: boolean
}

const REMOVED = Symbol("localSqs.removedEntries")

/** Installs the hooks on the Fastify app; `current()` gives the faults in force. */
export const install = (app: any, current: () => Faults | undefined): void => {
  app.addHook("preHandler", (request: any, reply: any, done: (error?: Error) => void) => {
    const faults = current()
    const target = request.headers["x-amz-target"]
    const action = typeof target === "string" ? target.replace("AmazonSQS.", "") : undefined
    if (
      faults === undefined ||
      action === undefined ||
      (faults.action !== undefined && faults.action !== action)
    ) {
      return done()
    }
    const random = faults.random ?? Math.random
    const code = faults.code ?? "InternalError"
    const senderFault = faults.senderFault ?? false
    const proceed = () => {
      if ((faults.requestFailureRate ?? 0) > 0 && random() < faults.requestFailureRate!) {
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
        if (removed.length > 0) {
          // An empty batch is an error in SQS: keep one entry, fail the rest.
          if (kept.length === 0) kept.push(removed.pop()!)
          body.Entries = kept
          request.body = typeof request.body === "string" ? JSON.stringify(body) : body
          request[REMOVED] = { entries: removed, code, senderFault } satisfies Removed
        }
      }
      done()
    }
    if ((faults.latencyMs ?? 0) > 0) setTimeout(proceed, faults.latencyMs)
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
        ...removed.entries.map((entry) => ({
          Id: entry.Id,
          SenderFault: removed.senderFault,
          Code: removed.code,
          Message: "injected fault"
        }))
      ]
      done(null, JSON.stringify(output))
    }
  )
}
