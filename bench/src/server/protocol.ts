/**
 * The messages between the harness and the local SQS process it starts (Node's IPC channel).
 * Every request carries an id; the server answers it once, and sends `started` and `done` events
 * for a watch as they happen.
 */

/** When a watch is done: the queue is empty, or it holds `ready` messages (a producer's run). */
export type Until = { readonly kind: "empty" } | { readonly kind: "ready"; readonly count: number }

export type Request =
  | { readonly id: number; readonly op: "create"; readonly name: string }
  | { readonly id: number; readonly op: "fill"; readonly name: string; readonly count: number }
  | { readonly id: number; readonly op: "counts"; readonly name: string }
  | { readonly id: number; readonly op: "requests" }
  | { readonly id: number; readonly op: "delete"; readonly name: string }
  /**
   * Reports the first SQS request after it (`started`) and the moment `until` holds (`done`).
   * With `flow`, messages are put on the queue at `rate` a second from the first request on,
   * `total` in all, the first `warmupMs` of them marked as warm-up.
   */
  | {
      readonly id: number
      readonly op: "watch"
      readonly name: string
      readonly until: Until
      readonly flow?: { readonly rate: number; readonly total: number; readonly warmupMs: number }
    }
  | { readonly id: number; readonly op: "unwatch" }

export type Event =
  | { readonly id: number; readonly type: "reply"; readonly value: unknown }
  | { readonly id: number; readonly type: "started"; readonly at: number }
  | { readonly id: number; readonly type: "done"; readonly at: number }

/** A message body: its job number; in a steady flow, when it was put on the queue. */
export interface Body {
  readonly job: number
  readonly sentAt?: number
  /** Put on the queue during the warm-up: left out of the latencies. */
  readonly warmup?: boolean
  readonly payload: string
}

export const PAYLOAD = "x".repeat(150)
