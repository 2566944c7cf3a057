/**
 * The one batching mechanism for SQS's batch actions (SendMessageBatch, DeleteMessageBatch,
 * ChangeMessageVisibilityBatch), knowing none of their types.
 *
 * Entries submitted for the same queue at about the same time share a request of at most 10
 * entries and 1 MiB (Effect's `RequestResolver`): a request goes out when it is full or after
 * `delay`, and each caller gets the answer for its own entry. At most `concurrency` requests are
 * in flight at once; the others wait for a slot, and so do their callers (back-pressure).
 *
 * This is also the one entry-retry loop of the package: entries that SQS failed on its side, or
 * did not report on at all, are sent again under `entryRetrySchedule`; entries failed by their
 * own fault are answered at once with SQS's code. A request that fails as a whole fails each of
 * its entries with the request's error; the client has already retried it where that is safe.
 */
import { Data, Duration, Effect, Exit, Request, RequestResolver, Schedule, Semaphore } from "effect"
import { retryAfterFailure } from "./requestPolicy.ts"

/** SQS's limits on one batch request. */
export const MAX_ENTRIES = 10
export const MAX_BYTES = 1_048_576

/** How SQS reports an entry it did not act on. */
export interface FailedEntry {
  readonly Id?: string | undefined
  readonly Code?: string | undefined
  readonly Message?: string | undefined
  readonly SenderFault?: boolean | undefined
}

/** What a batch action answers. */
export interface Response<Ok> {
  readonly Successful?: ReadonlyArray<Ok> | undefined
  readonly Failed?: ReadonlyArray<FailedEntry> | undefined
}

/** SQS did not act on one entry: refused it (`senderFault`), or failed on its side until retries ran out. */
export class EntryFailed extends Data.TaggedError("EntryFailed")<{
  readonly code: string
  readonly reason: string
  readonly senderFault: boolean
}> {
  override get message(): string {
    return `${this.code}: ${this.reason}`
  }
}

export interface Options<Entry, Ok, E> {
  /** Sends one batch request; entry ids are assigned here, unique within the request. */
  readonly send: (
    queueUrl: string,
    entries: Array<Entry & { readonly Id: string }>
  ) => Effect.Effect<Response<Ok>, E>
  /** How long an entry waits for others to share its request (zero: only those submitted together). */
  readonly delay: Duration.Duration
  /** Requests in flight at once. */
  readonly concurrency: number
  /** When entries that SQS failed on its side are sent again. */
  readonly entryRetrySchedule: Schedule.Schedule<unknown, unknown>
}

export interface EntryBatcher<Entry, Ok, E> {
  /**
   * Submits one entry for the queue; succeeds with SQS's answer for it once SQS has acted on it.
   * `size`: the bytes it counts towards the 1 MiB of a request (default 0: only the count matters).
   */
  readonly submit: (queueUrl: string, entry: Entry, size?: number) => Effect.Effect<Ok, EntryFailed | E>
  /**
   * Sends entries already gathered by the caller (a batch, a bulk send's group) in as few
   * requests as the limits allow, with no wait for others, under the same concurrency bound and
   * entry retries; the outcome of each, in order. With `limit`, each request also holds one of its
   * permits: the caller's own bound on its requests in flight.
   */
  readonly submitAll: (
    queueUrl: string,
    entries: ReadonlyArray<{ readonly entry: Entry; readonly size: number }>,
    limit?: Semaphore.Semaphore
  ) => Effect.Effect<ReadonlyArray<Exit.Exit<Ok, EntryFailed | E>>>
}

/** An entry waiting for SQS's answer, and how to deliver it. */
interface Slot<Entry, Ok, E> {
  readonly entry: Entry
  readonly complete: (exit: Exit.Exit<Ok, EntryFailed | E>) => void
}

/**
 * Groups items into batches of at most 10 entries and 1 MiB together, keeping their order.
 */
export const chunk = <A extends { readonly size: number }>(items: ReadonlyArray<A>): Array<Array<A>> => {
  const batches: Array<Array<A>> = []
  let current: Array<A> = []
  let bytes = 0
  for (const item of items) {
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + item.size > MAX_BYTES)) {
      batches.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += item.size
  }
  if (current.length > 0) batches.push(current)
  return batches
}

/** Some entries are to be sent again; `last` is the latest reason, reported if retries run out. */
class RetryEntries extends Data.TaggedError("RetryEntries")<{ readonly last: EntryFailed }> {}

export const make = <Entry extends object, Ok extends { readonly Id?: string | undefined }, E>(
  options: Options<Entry, Ok, E>
): Effect.Effect<EntryBatcher<Entry, Ok, E>> =>
  Effect.gen(function* () {
    interface Submitted extends Request.Request<Ok, EntryFailed | E> {
      readonly queueUrl: string
      readonly entry: Entry
      readonly size: number
    }
    const Submitted = Request.of<Submitted>()
    type Pending = Slot<Entry, Ok, E>
    const requests = yield* Semaphore.make(options.concurrency)
    // Only entries are retried here: a request's own failure was retried by the client.
    const entryRetry = Schedule.while(
      options.entryRetrySchedule,
      ({ input }: { readonly input: unknown }) => input instanceof RetryEntries
    )

    /** Sends one request's entries, answering each as SQS acts on it. */
    const sendRequest = (queueUrl: string, entries: ReadonlyArray<Pending>): Effect.Effect<void> => {
      let pending = entries
      const attempt = Effect.suspend(() =>
        options.send(
          queueUrl,
          pending.map((slot, index) => ({ ...slot.entry, Id: String(index) }))
        )
      ).pipe(
        Effect.flatMap((response): Effect.Effect<void, RetryEntries> => {
          const answered = new Set<string>()
          for (const ok of response.Successful ?? []) {
            const entry = pending[Number(ok.Id)]
            if (entry === undefined) continue
            answered.add(ok.Id!)
            entry.complete(Exit.succeed(ok))
          }
          const again: Array<Pending> = []
          // Made only when an entry failed: an error captures a stack trace, costly per request.
          let last: EntryFailed | undefined
          for (const failed of response.Failed ?? []) {
            const entry = pending[Number(failed.Id)]
            if (entry === undefined) continue
            answered.add(failed.Id!)
            const error = new EntryFailed({
              code: failed.Code ?? "Unknown",
              reason: failed.Message ?? "",
              senderFault: failed.SenderFault ?? false
            })
            if (error.senderFault) entry.complete(Exit.fail(error))
            else {
              again.push(entry)
              last = error
            }
          }
          // An entry SQS did not report on at all is sent again rather than left waiting.
          for (const [index, entry] of pending.entries()) {
            if (answered.has(String(index))) continue
            again.push(entry)
            last = new EntryFailed({
              code: "MissingFromResponse",
              reason: "SQS did not report on this entry",
              senderFault: false
            })
          }
          pending = again
          return again.length === 0 || last === undefined
            ? Effect.void
            : Effect.fail(new RetryEntries({ last }))
        })
      )
      return retryAfterFailure(attempt, entryRetry).pipe(
        Effect.catch((error) =>
          Effect.sync(() => {
            const failure = error instanceof RetryEntries ? error.last : error
            for (const entry of pending) entry.complete(Exit.fail(failure))
          })
        )
      )
    }

    const resolver = RequestResolver.makeWith<Submitted>({
      batchKey: (entry) => entry.request.queueUrl,
      delay: Duration.isZero(options.delay) ? Effect.yieldNow : Effect.sleep(options.delay),
      // A full request goes out at once: 10 entries, or the next one might not fit in 1 MiB.
      collectWhile: (entries) => {
        if (entries.size >= MAX_ENTRIES) return false
        let bytes = 0
        for (const entry of entries) bytes += entry.request.size
        return bytes < MAX_BYTES
      },
      runAll: (entries, key) =>
        sendChunked(
          key as string,
          entries.map((pending) => ({
            size: pending.request.size,
            slot: { entry: pending.request.entry, complete: (exit) => pending.completeUnsafe(exit) }
          }))
        )
    })

    /**
     * Sends slots in requests within the limits, each request holding one of the permits (and
     * first one of `limit`'s, so that a caller waiting on its own bound holds none of the others).
     */
    const sendChunked = (
      queueUrl: string,
      items: ReadonlyArray<{ readonly size: number; readonly slot: Pending }>,
      limit?: Semaphore.Semaphore
    ): Effect.Effect<void> => {
      const send = (batch: ReadonlyArray<{ readonly slot: Pending }>) => {
        const request = requests.withPermits(1)(
          sendRequest(
            queueUrl,
            batch.map((item) => item.slot)
          )
        )
        return limit === undefined ? request : limit.withPermits(1)(request)
      }
      const batches = chunk(items)
      // Most calls fill one request: sent from this fiber, with none forked for it.
      return batches.length === 1
        ? send(batches[0]!)
        : Effect.forEach(batches, send, { concurrency: "unbounded", discard: true })
    }

    const submitAll = (
      queueUrl: string,
      entries: ReadonlyArray<{ readonly entry: Entry; readonly size: number }>,
      limit?: Semaphore.Semaphore
    ): Effect.Effect<ReadonlyArray<Exit.Exit<Ok, EntryFailed | E>>> =>
      Effect.suspend(() => {
        const outcomes: Array<Exit.Exit<Ok, EntryFailed | E>> = []
        const items = entries.map(({ entry, size }, index) => ({
          size,
          slot: {
            entry,
            complete: (exit: Exit.Exit<Ok, EntryFailed | E>) => {
              outcomes[index] = exit
            }
          }
        }))
        return Effect.as(sendChunked(queueUrl, items, limit), outcomes)
      })

    return {
      submit: (queueUrl, entry, size = 0) => Effect.request(Submitted({ queueUrl, entry, size }), resolver),
      submitAll
    } satisfies EntryBatcher<Entry, Ok, E>
  })
