/**
 * The benchmark's settings, read from the environment here and nowhere else.
 *
 * - QUICK=1: tiny counts, one repetition, no verdict and no busy-machine check (the harness's
 *   own test).
 * - BENCH=drain,steady,...: only those scenarios (ids in scenarios.ts; "idle" for the idle part).
 * - CONTENDERS="queue-core;squiss-ts": only contenders with these names (separated by ";").
 * - RESULTS_DIR: where results.json, results.md and chart.svg go (default bench/results).
 * - IDLE_SECONDS: how long the idle consumers are watched (default 60; quick 2).
 * - REPETITIONS: runs of each contender in each scenario (default 3; quick 1).
 * - PROFILE_DIR: each contender run writes a V8 CPU profile there (open it in Chrome's DevTools).
 * - CONTENDER_NODE_FLAGS: Node and V8 flags for every contender, separated by spaces (for example
 *   --max-semi-space-size=2); given on the command line, so V8's own flags are allowed too.
 */
import { FULL, QUICK } from "./scenarios.ts"

const quick = process.env.QUICK === "1"

const counts = quick ? QUICK : FULL

export const config = {
  quick,
  counts: { ...counts, repetitions: Number(process.env.REPETITIONS ?? counts.repetitions) },
  only: process.env.BENCH?.split(",").map((id) => id.trim()),
  contenders: process.env.CONTENDERS?.split(";").map((name) => name.trim()),
  resultsDir: process.env.RESULTS_DIR ?? new URL("../results", import.meta.url).pathname,
  profileDir: process.env.PROFILE_DIR,
  contenderNodeFlags: (process.env.CONTENDER_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== ""),
  idleSeconds: Number(process.env.IDLE_SECONDS ?? (quick ? "2" : "60")),
  /** A run with more than this many cores' worth of other work on the machine is repeated. */
  busyCores: 0.25,
  /** How many times a busy run is repeated before it is kept (and marked). */
  busyRetries: 2
}
