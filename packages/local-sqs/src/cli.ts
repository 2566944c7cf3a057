#!/usr/bin/env node
/**
 * `pnpm local-sqs`: a local SQS on 127.0.0.1 for development, with the lab's queues.
 */
import { parseArgs } from "node:util"
import { DataDirError, DEFAULT_PORT, start } from "./LocalSqs.ts"
import { BACKGROUND_CHECK_BUCKETS, BACKGROUND_CHECK_QUEUES } from "./labQueues.ts"

const usage = `Usage: local-sqs [--port N] [--data-dir DIR] [--latency MS]

Runs an SQS-compatible server on 127.0.0.1 with the queues BackgroundCheckApp and
BackgroundCheckApp-dlq, and (on the same endpoint, path-style S3) the bucket
bgcheck-payloads for messages larger than SQS allows. Stop it with Ctrl-C.

  --port N          port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  --data-dir DIR    keep queues and messages in DIR across restarts (created if missing)
  --latency MS      add MS milliseconds to every request, as a real SQS region's round
                    trip would (about 20); for trying consumers at a realistic latency
  -h, --help        show this help`

const fail = (message: string): never => {
  process.stderr.write(`local-sqs: ${message}\n`)
  process.exit(2)
}

const parsed = (() => {
  try {
    return parseArgs({
      // `pnpm local-sqs -- --port N` passes the `--` on; this command takes no positional arguments.
      args: process.argv[2] === "--" ? process.argv.slice(3) : process.argv.slice(2),
      options: {
        port: { type: "string" },
        "data-dir": { type: "string" },
        latency: { type: "string" },
        help: { type: "boolean", short: "h" }
      }
    }).values
  } catch (error) {
    return fail(`${(error as Error).message} (see --help)`)
  }
})()

if (parsed.help) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}

const port = parsed.port === undefined ? DEFAULT_PORT : Number(parsed.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`--port must be an integer from 0 to 65535, got "${parsed.port}"`)
}

if (parsed["data-dir"] === "") fail("--data-dir needs a directory")

const latencyMs = parsed.latency === undefined ? 0 : Number(parsed.latency)
if (!/^\d+$/.test(parsed.latency ?? "0") || latencyMs > 60_000) {
  fail(`--latency must be a whole number of milliseconds from 0 to 60000, got "${parsed.latency}"`)
}

start({
  port,
  latencyMs,
  ...(parsed["data-dir"] === undefined ? {} : { dataDir: parsed["data-dir"] }),
  queues: BACKGROUND_CHECK_QUEUES,
  buckets: BACKGROUND_CHECK_BUCKETS
}).then(
  (server) => {
    // Listening for signals before saying so: a caller may stop us as soon as it reads the lines.
    const stop = () => server.stop().then(() => process.exit(0))
    process.once("SIGINT", stop)
    process.once("SIGTERM", stop)
    process.stdout.write(
      `local SQS listening on ${server.endpoint} (region ${server.region}` +
        `${latencyMs > 0 ? `, ${latencyMs} ms added to every request` : ""})\n`
    )
    for (const spec of BACKGROUND_CHECK_QUEUES) {
      const queue = server.createQueue(spec)
      process.stdout.write(`  queue ${queue.url}\n`)
      if (spec.deadLetter !== undefined)
        process.stdout.write(`  queue ${server.deadLetterQueueOf(spec.name).url}\n`)
    }
    for (const bucket of BACKGROUND_CHECK_BUCKETS) process.stdout.write(`  bucket s3://${bucket}\n`)
  },
  (error: NodeJS.ErrnoException) =>
    fail(
      error instanceof DataDirError
        ? `--data-dir ${error.path}: ${error.reason}`
        : error.code === "EADDRINUSE"
          ? `port ${port} is already in use on 127.0.0.1: stop what runs there or pass --port`
          : error.message
    )
)
