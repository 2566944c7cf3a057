/**
 * fauxqs's public entry point only offers `startFauxqs`, which binds 0.0.0.0 and names queues
 * after an unresolvable `sqs.<region>.localhost` host. To listen on loopback only, hand out
 * resolvable queue URLs and still persist to a data directory, we assemble the server from the
 * same parts `startFauxqs` uses. They are not in fauxqs's `exports` map, so they are loaded by
 * file URL next to its resolved entry point; the version is pinned in the workspace catalog.
 */
const entry = import.meta.resolve("fauxqs")
const load = (path: string): Promise<any> => import(new URL(path, entry).href)

const [app, sqs, sns, s3, persistence] = await Promise.all([
  import("fauxqs"),
  load("./sqs/sqsStore.js"),
  load("./sns/snsStore.js"),
  load("./s3/s3Store.js"),
  load("./persistence.js")
])

/** fauxqs's own `buildApp`, typed loosely: our stores come from its internal modules. */
export const buildApp: (options: Record<string, unknown>) => ReturnType<typeof app.buildApp> =
  app.buildApp as any

export interface SqsStoreLike {
  host: string
  region: string
  persistence?: unknown
  allQueues(): Iterable<{ persistence?: unknown }>
  getQueueByArn(
    arn: string
  ): { url: string; enqueue(message: unknown): void; getAttribute(name: string): string } | undefined
  createQueue(name: string, url: string, arn: string, attributes: object, tags: object): unknown
  deleteQueue(url: string): void
  clearMessages(): void
  purgeAll(): void
}

export interface PersistenceManagerLike {
  load(sqsStore: unknown, snsStore: unknown, s3Store: unknown): void
  clearMessagesAndObjects(): void
  purgeAll(): void
  close(): void
}

export const makeStores = (): { sqsStore: SqsStoreLike; snsStore: any; s3Store: any } => ({
  sqsStore: new sqs.SqsStore(),
  snsStore: new sns.SnsStore(),
  s3Store: new s3.S3Store()
})

export const makePersistence = (dataDir: string): PersistenceManagerLike =>
  new persistence.PersistenceManager(dataDir)

/**
 * Long polls as SQS answers them. fauxqs wakes every waiting long poll when a message arrives;
 * the first takes it and the others return empty at once, well before their wait is over. A
 * consumer with several receives open (the way to keep up with a backlog) was billed an empty
 * receive per poll and per arrival, which SQS does not do. Here one waiting poll is woken at a
 * time, and the next one only if messages are still there once the first has taken its share.
 */
const wakeOneWaiterAtATime = () => {
  const proto = sqs.SqsQueue.prototype as {
    notifyWaiters(this: FauxqsQueue): void
  }
  proto.notifyWaiters = function (this: FauxqsQueue) {
    // Messages arriving one by one in the same tick wake one poll, not one each.
    if (this.waking === true) return
    const waiter = this.pollWaiters.shift()
    if (waiter === undefined) return
    this.waking = true
    clearTimeout(waiter.timer)
    waiter.resolve()
    // After the woken receive's continuation (queued first) has taken its messages.
    queueMicrotask(() => {
      this.waking = false
      if (this.pollWaiters.length > 0 && Number(this.getAttribute("ApproximateNumberOfMessages")) > 0)
        this.notifyWaiters()
    })
  }
}

interface FauxqsQueue {
  pollWaiters: Array<{ resolve: () => void; timer: ReturnType<typeof setTimeout> }>
  /** A woken poll has not taken its messages yet. */
  waking?: boolean
  getAttribute(name: string): string
  notifyWaiters(): void
}

wakeOneWaiterAtATime()

/** A new standard-queue message as fauxqs stores it. */
export const createMessage = (body: string): unknown => sqs.SqsStore.createMessage(body)
