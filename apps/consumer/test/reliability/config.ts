/**
 * How big the reliability suite runs: the one place that reads `RELIABILITY_SCALE`.
 *
 * - unset (or `ci`): the counts CI runs on every `./dev test`, chosen so that the whole suite
 *   takes under about 3 minutes on a 2-core machine while every scenario still has thousands of
 *   requests behind it;
 * - `full`: the counts (10,000 messages through the ledger), run by `./dev reliability`
 *   (the root script sets `RELIABILITY_SCALE=full`); it takes several minutes.
 *
 * Waits are for conditions, never for a fixed time; the timeouts below only bound how long a
 * broken run hangs before it fails with what it was waiting for.
 */

const value = (process.env.RELIABILITY_SCALE ?? "ci").trim().toLowerCase() || "ci"
if (value !== "ci" && value !== "full") {
  throw new Error(`RELIABILITY_SCALE must be "ci" or "full", got "${process.env.RELIABILITY_SCALE}"`)
}

export const SCALE: "ci" | "full" = value

const scaled = (ci: number, full: number) => (SCALE === "full" ? full : ci)

/** Added to every request of the local SQS: none, and a real SQS region's round trip. */
export const LATENCIES = [0, 20] as const

/** Messages per scenario. */
export const MESSAGES = {
  /** Sent by the sender and drained by one consumer. */
  ledger: scaled(10_000, 10_000),
  /** Queued, then drained by a consumer killed with SIGKILL part way and a second one. */
  kill: scaled(1_000, 5_000),
  /** Over 1 MiB each, sent through S3 and drained by a consumer killed with SIGKILL and a second. */
  largePayloads: scaled(20, 200),
  /** Queued for a consumer stopped with SIGTERM while it works on them. */
  sigterm: scaled(200, 1_000),
  /** Streamed by a sender while the local SQS restarts; enough to still be sending then. */
  restart: scaled(3_000, 10_000),
  /** Per round (fault-free, InternalError, ThrottlingException). */
  faults: scaled(400, 3_000),
  /** Shared by three consumers. */
  competing: scaled(1_500, 10_000),
  /** FIFO: message groups, and messages per group. */
  fifoGroups: scaled(4, 8),
  fifoPerGroup: scaled(30, 250)
} as const

/** How long one test may take before it fails (a hang, not a slow run, should hit this). */
export const TEST_TIMEOUT_MS = scaled(150_000, 900_000)

/** How long a wait for a condition (a drained queue, a complete ledger) may take. */
export const WAIT_MS = scaled(90_000, 600_000)
