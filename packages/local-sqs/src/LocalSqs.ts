/**
 * An SQS-compatible server embedded in the current process, for development and tests.
 *
 * It is fauxqs listening on 127.0.0.1 only, with the error codes real SQS sends and queue URLs
 * that point back at the server itself (`http://127.0.0.1:PORT/000000000000/NAME`). On the same
 * endpoint it serves S3 (path-style, for large payloads) and SNS (for topics fanning out to
 * queues), to signed requests only (see `requestFilter`).
 */

import { DataDirError, prepareDataDir } from "./dataDir.ts"
import * as Faults from "./faults.ts"
import {
  buildApp,
  createMessage,
  makePersistence,
  makeStores,
  type PersistenceManagerLike,
  type SqsStoreLike
} from "./fauxqsInternals.ts"
import { actionOf } from "./requestActions.ts"
import * as RequestFilter from "./requestFilter.ts"
import { realQueryErrorHeader } from "./sqsErrorCodes.ts"

export { DataDirError } from "./dataDir.ts"
export type { Faults } from "./faults.ts"

export const LOOPBACK = "127.0.0.1"
export const DEFAULT_PORT = 4566
export const ACCOUNT_ID = "000000000000"
export const REGION = "us-east-1"

/** A queue to create when the server starts. */
export interface QueueSpec {
  readonly name: string
  readonly attributes?: Readonly<Record<string, string>>
  /** Creates `<name>-dlq` (or `<name>-dlq.fifo`) and a redrive policy to it. */
  readonly deadLetter?: { readonly maxReceiveCount: number }
}

export interface StartOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number
  /**
   * Directory where queues and messages persist across restarts (SQLite), created when missing.
   * `start` rejects with a `DataDirError` when it cannot be created or written in.
   */
  readonly dataDir?: string
  readonly queues?: ReadonlyArray<QueueSpec>
  /** S3 buckets to create when the server starts. */
  readonly buckets?: ReadonlyArray<string>
  /** Milliseconds added to every request, as a real SQS region's round trip would (default 0). */
  readonly latencyMs?: number
}

export interface CreatedQueue {
  readonly name: string
  readonly url: string
  readonly arn: string
}

export interface LocalSqsServer {
  /** `http://127.0.0.1:PORT`: give it to the SQS client as its endpoint. */
  readonly endpoint: string
  readonly port: number
  readonly region: string
  /** Creates a queue (and its dead-letter queue when asked); a no-op for an existing one. */
  createQueue(spec: QueueSpec): CreatedQueue
  /** The dead-letter queue `createQueue` makes for a queue name. */
  deadLetterQueueOf(name: string): CreatedQueue
  /** Creates an S3 bucket; a no-op for an existing one. */
  createBucket(name: string): void
  /** The keys of a bucket's objects, sorted; undefined when there is no such bucket. */
  objectKeys(bucket: string): ReadonlyArray<string> | undefined
  /** Deletes a queue by name; a no-op when it does not exist. */
  deleteQueue(name: string): void
  /** Counts of a queue's messages, read without changing them. */
  inspect(
    name: string
  ): { readonly ready: number; readonly delayed: number; readonly inFlight: number } | undefined
  /**
   * Requests received since the start (or the last `resetRequestCounts`), by action: SQS's own
   * names (`ReceiveMessage`), and S3's prefixed (`S3.GetObject`).
   */
  requestCounts(): Readonly<Record<string, number>>
  resetRequestCounts(): void
  /** Test only: puts messages on a standard queue directly, without a request (fast bulk fills). */
  enqueue(name: string, bodies: Iterable<string>): void
  /**
   * Test only: makes requests or batch entries fail, or slow, until `clearFaults` (or for the
   * next `times` requests). `latencyMs` alone adds latency: to every request, to one `action`,
   * or to the next request only with `times: 1`; it adds to the server's own `latencyMs`.
   */
  injectFaults(faults: Faults.Faults): void
  clearFaults(): void
  /** Removes every message and S3 object, keeping the queues and buckets. */
  reset(): void
  /** Removes every queue, message, bucket and object. */
  purgeAll(): void
  stop(): Promise<void>
}

const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`

const deadLetterName = (name: string) =>
  name.endsWith(".fifo") ? `${name.slice(0, -".fifo".length)}-dlq.fifo` : `${name}-dlq`

/** Opens fauxqs's SQLite file in the data directory and loads the stores from it. */
const openPersistence = (
  dataDir: string,
  stores: { sqsStore: SqsStoreLike; snsStore: any; s3Store: any }
): PersistenceManagerLike => {
  prepareDataDir(dataDir)
  let persistence: PersistenceManagerLike | undefined
  try {
    persistence = makePersistence(dataDir)
    persistence.load(stores.sqsStore, stores.snsStore, stores.s3Store)
  } catch (error) {
    persistence?.close()
    throw new DataDirError(dataDir, `cannot open its database fauxqs.db (${(error as Error).message})`)
  }
  stores.sqsStore.persistence = persistence
  stores.snsStore.persistence = persistence
  stores.s3Store.persistence = persistence
  for (const queue of stores.sqsStore.allQueues()) queue.persistence = persistence
  return persistence
}

/** Starts a local SQS on 127.0.0.1. */
export const start = async (options: StartOptions = {}): Promise<LocalSqsServer> => {
  const stores = makeStores()
  // An empty host makes fauxqs build queue URLs from the request's own Host header.
  stores.sqsStore.host = ""
  stores.sqsStore.region = REGION
  const persistence = options.dataDir === undefined ? undefined : openPersistence(options.dataDir, stores)

  const app = buildApp({ logger: false, defaultRegion: REGION, stores })
  // First, so that a refused request reaches nothing else (not even the request counts).
  RequestFilter.install(app)
  let requestCounts: Record<string, number> = {}
  let faults: Faults.Active | undefined
  // The latency the server was started with stays under injected faults and after clearing them.
  Faults.install(app, () => faults, options.latencyMs ?? 0)
  app.addHook("onRequest", (request: any, _reply: unknown, done: () => void) => {
    const action = actionOf(request)
    if (action !== undefined) requestCounts[action] = (requestCounts[action] ?? 0) + 1
    done()
  })
  app.addHook("onSend", (_request: unknown, reply: any, payload: unknown, done: any) => {
    const header = reply.getHeader("x-amzn-query-error")
    if (typeof header === "string") reply.header("x-amzn-query-error", realQueryErrorHeader(header))
    done(null, payload)
  })
  if (persistence !== undefined) {
    app.addHook("preClose", (done: () => void) => {
      persistence.close()
      done()
    })
  }

  try {
    await app.listen({ host: LOOPBACK, port: options.port ?? 0 })
  } catch (error) {
    // Closing runs the preClose hooks, which release the data directory's database.
    await app.close().catch(() => undefined)
    throw error
  }
  const port = (app.server.address() as { port: number }).port
  const endpoint = `http://${LOOPBACK}:${port}`
  const queueUrl = (name: string) => `${endpoint}/${ACCOUNT_ID}/${name}`

  const createOne = (name: string, attributes: Readonly<Record<string, string>> = {}): CreatedQueue => {
    const url = queueUrl(name)
    const arn = queueArn(name)
    if (stores.sqsStore.getQueueByArn(arn) === undefined) {
      const fifo = name.endsWith(".fifo") ? { FifoQueue: "true" } : {}
      stores.sqsStore.createQueue(name, url, arn, { ...fifo, ...attributes }, {})
    }
    return { name, url, arn }
  }

  const server: LocalSqsServer = {
    endpoint,
    port,
    region: REGION,
    createQueue: (spec) => {
      if (spec.deadLetter === undefined) return createOne(spec.name, spec.attributes)
      const dlq = createOne(deadLetterName(spec.name))
      const redrivePolicy = JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: spec.deadLetter.maxReceiveCount
      })
      return createOne(spec.name, { ...spec.attributes, RedrivePolicy: redrivePolicy })
    },
    deadLetterQueueOf: (name) => {
      const dlq = deadLetterName(name)
      return { name: dlq, url: queueUrl(dlq), arn: queueArn(dlq) }
    },
    createBucket: (name) => stores.s3Store.createBucket(name),
    objectKeys: (bucket) =>
      stores.s3Store.hasBucket(bucket)
        ? stores.s3Store
            .listObjects(bucket, { maxKeys: Number.MAX_SAFE_INTEGER })
            .objects.map((object: { key: string }) => object.key)
        : undefined,
    deleteQueue: (name) => {
      const queue = stores.sqsStore.getQueueByArn(queueArn(name))
      if (queue !== undefined) stores.sqsStore.deleteQueue(queue.url)
    },
    inspect: (name) => {
      const queue = stores.sqsStore.getQueueByArn(queueArn(name))
      if (queue === undefined) return undefined
      // The approximate counts are exact here, and cheap: the benchmark asks many times a second.
      return {
        ready: Number(queue.getAttribute("ApproximateNumberOfMessages")),
        delayed: Number(queue.getAttribute("ApproximateNumberOfMessagesDelayed")),
        inFlight: Number(queue.getAttribute("ApproximateNumberOfMessagesNotVisible"))
      }
    },
    enqueue: (name, bodies) => {
      const queue = stores.sqsStore.getQueueByArn(queueArn(name))
      if (queue === undefined) throw new Error(`no queue ${name}`)
      if (name.endsWith(".fifo")) throw new Error("enqueue fills standard queues only")
      for (const body of bodies) queue.enqueue(createMessage(body))
    },
    injectFaults: (next) => {
      faults = Faults.activate(next)
    },
    clearFaults: () => {
      faults = undefined
    },
    requestCounts: () => ({ ...requestCounts }),
    resetRequestCounts: () => {
      requestCounts = {}
    },
    reset: () => {
      stores.sqsStore.clearMessages()
      stores.s3Store.clearObjects()
      persistence?.clearMessagesAndObjects()
    },
    purgeAll: () => {
      stores.sqsStore.purgeAll()
      stores.s3Store.purgeAll()
      persistence?.purgeAll()
    },
    stop: () => app.close()
  }
  for (const spec of options.queues ?? []) server.createQueue(spec)
  for (const bucket of options.buckets ?? []) server.createBucket(bucket)
  return server
}
