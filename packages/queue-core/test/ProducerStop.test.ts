/**
 * A bulk send stopped part-way (`stopWhen`) or abandoned (`abandonWhen`): what was taken, what was
 * sent, and where to resume. In virtual time over a fake client, and against a local SQS over
 * HTTP.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Deferred, type Duration, Effect, Fiber, Layer, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Producer, Queues, SqsClient } from "../src/index.ts"
import * as FakeSqs from "./fakeSqs.ts"
import { LocalSqs, LocalSqsServices, uniqueName } from "./fixtures.ts"

/** The bodies of a SendMessageBatch call the fake answered, as the numbers they carry. */
const numbersOf = (call: FakeSqs.Call): Array<number> =>
  call.input.Entries.map((entry: { MessageBody: string }) => Number(entry.MessageBody.split(" ")[1]))

describe("Producer.sendAll stopped part-way, in virtual time", () => {
  /**
   * A producer over a fake client whose SendMessageBatch takes `latency` (by the numbers it
   * carries); `started(n)` completes once n requests have gone out.
   */
  const producerWith = (latency: (numbers: ReadonlyArray<number>) => Duration.Input) =>
    Effect.gen(function* () {
      let requests = 0
      const waiting: Array<{ readonly count: number; readonly reached: Deferred.Deferred<void> }> = []
      const sqs = yield* FakeSqs.make({
        latency: (action, input) => {
          if (action !== "SendMessageBatch") return 0
          requests++
          for (const wait of waiting)
            if (requests >= wait.count) Deferred.doneUnsafe(wait.reached, Effect.void)
          return latency(numbersOf({ action, at: 0, input }))
        }
      })
      const producer = yield* Producer.make().pipe(
        Effect.provide(Queues.layer.pipe(Layer.provideMerge(Layer.succeed(SqsClient.SqsClient, sqs.client))))
      )
      const started = (count: number) =>
        Effect.suspend(() => {
          const reached = Deferred.makeUnsafe<void>()
          if (requests >= count) return Effect.void
          waiting.push({ count, reached })
          return Deferred.await(reached)
        })
      // The fake records a request when it reaches SQS, after its latency: an aborted one never does.
      const sentNumbers = Effect.map(sqs.callsOf("SendMessageBatch"), (calls) => calls.flatMap(numbersOf))
      return { producer, started, sentNumbers }
    })

  it.effect("lets the batches in flight be answered when stopWhen completes, and takes nothing more", () =>
    Effect.gen(function* () {
      const { producer, started, sentNumbers } = yield* producerWith(() => "1 second")
      const stop = yield* Deferred.make<void>()
      const sending = yield* Effect.forkChild(
        producer.sendAll("jobs", Stream.range(1, 1000), {
          toMessage: (n) => `message ${n}`,
          concurrency: 4,
          stopWhen: Deferred.await(stop)
        })
      )
      // Four batches of 10 are on their way to SQS, to be answered in 1 s.
      yield* started(4)
      yield* Deferred.succeed(stop, undefined)
      yield* TestClock.adjust("1 minute")
      const summary = yield* Fiber.join(sending)
      assert.deepInclude(summary, {
        sent: 40,
        failed: 0,
        stopped: true,
        abandoned: 0,
        answeredPrefix: 40,
        sentAfterPrefix: 0
      })
      assert.deepStrictEqual(summary.lastOfPrefix, Option.some(40))
      // The batches in flight reached SQS (not aborted); no later message went out.
      const numbers = yield* sentNumbers
      assert.deepStrictEqual(
        numbers.toSorted((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1)
      )
    })
  )

  it.effect("stops while the stream has nothing more to give", () =>
    Effect.gen(function* () {
      const { producer, started } = yield* producerWith(() => 0)
      const stop = yield* Deferred.make<void>()
      const sending = yield* Effect.forkChild(
        producer.sendAll("jobs", Stream.concat(Stream.range(1, 20), Stream.never), {
          toMessage: (n) => `message ${n}`,
          stopWhen: Deferred.await(stop)
        })
      )
      yield* started(2)
      yield* TestClock.adjust("1 second")
      yield* Deferred.succeed(stop, undefined)
      const summary = yield* Fiber.join(sending)
      assert.deepInclude(summary, { sent: 20, stopped: true, answeredPrefix: 20 })
    })
  )

  it.effect(
    "counts the batches in flight as abandoned when abandonWhen completes, and the prefix before them",
    () =>
      Effect.gen(function* () {
        // The first batch (messages 1 to 10) takes 5 s, the others 1 s: three are answered at 1 s,
        // and the three started in their place at 2 s; the slow one holds back none of them.
        const { producer, started, sentNumbers } = yield* producerWith((numbers) =>
          numbers.includes(1) ? "5 seconds" : "1 second"
        )
        const abandon = yield* Deferred.make<void>()
        const sending = yield* Effect.forkChild(
          producer.sendAll("jobs", Stream.range(1, 1000), {
            toMessage: (n) => `message ${n}`,
            concurrency: 4,
            abandonWhen: Deferred.await(abandon)
          })
        )
        yield* started(4)
        yield* TestClock.adjust("2 seconds")
        yield* Deferred.succeed(abandon, undefined)
        const summary = yield* Fiber.join(sending)
        const numbers = (yield* sentNumbers).toSorted((a, b) => a - b)
        // Messages 11 to 70 were answered; 1 to 10 and the three batches started at 2 s (71 to 100)
        // were still on their way and were aborted: 4 batches in flight, as many as allowed.
        assert.deepStrictEqual(
          numbers,
          Array.from({ length: 60 }, (_, i) => i + 11)
        )
        assert.deepInclude(summary, {
          sent: 60,
          failed: 0,
          stopped: true,
          abandoned: 40,
          answeredPrefix: 0,
          sentAfterPrefix: 60
        })
        assert.isTrue(Option.isNone(summary.lastOfPrefix))
      })
  )

  it.effect("keeps the first failures in input order when batches are answered out of order", () =>
    Effect.gen(function* () {
      const { producer } = yield* producerWith((numbers) => (numbers.includes(1) ? "5 seconds" : "1 second"))
      const sending = yield* Effect.forkChild(
        producer.sendAll("jobs", Stream.range(1, 40), {
          // Empty bodies are invalid: one in each batch, the first batch answered last.
          toMessage: (n) => (n % 10 === 5 ? "" : `message ${n}`),
          concurrency: 4,
          maxFailuresKept: 2
        })
      )
      yield* TestClock.adjust("1 minute")
      const summary = yield* Fiber.join(sending)
      assert.deepStrictEqual(
        summary.failures.map((failure) => failure.item),
        [5, 15]
      )
      assert.deepInclude(summary, { sent: 36, failed: 4 })
    })
  )
})

layer(LocalSqsServices, { excludeTestServices: true })(
  "Producer.sendAll stopped part-way (local SQS over HTTP)",
  (it) => {
    it.effect(
      "stops in the middle of a stream with every message sent once or not at all, and resumes from the prefix",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("stop")
          server.createQueue({ name })
          // As slow as a real region, so that batches are in flight when the stop comes.
          server.injectFaults({ action: "SendMessageBatch", latencyMs: 20 })
          const producer = yield* Producer.Producer
          const total = 1000
          const stop = yield* Deferred.make<void>()
          const first = yield* producer.sendAll(name, Stream.range(1, total), {
            toMessage: (n) => `message ${n}`,
            concurrency: 4,
            stopWhen: Deferred.await(stop),
            onProgress: (progress) => (progress.sent >= 200 ? Deferred.succeed(stop, undefined) : Effect.void)
          })
          assert.isTrue(first.stopped)
          assert.isAtLeast(first.sent, 200)
          assert.isBelow(first.sent, total, "stopped in the middle")
          assert.deepInclude(first, {
            failed: 0,
            abandoned: 0,
            sentAfterPrefix: 0,
            answeredPrefix: first.sent
          })
          assert.deepStrictEqual(first.lastOfPrefix, Option.some(first.sent))
          assert.strictEqual(
            server.inspect(name)?.ready,
            first.sent,
            "the queue holds exactly what was reported sent"
          )

          // Resuming after the prefix sends the rest: every message once, none missing.
          const rest = yield* producer.sendAll(name, Stream.range(first.answeredPrefix + 1, total), {
            toMessage: (n) => `message ${n}`,
            concurrency: 4
          })
          server.clearFaults()
          assert.deepInclude(rest, { sent: total - first.sent, failed: 0, stopped: false })
          assert.strictEqual(server.inspect(name)?.ready, total)
          const sqs = yield* SqsClient.SqsClient
          const queue = yield* (yield* Queues.Queues).resolve(name)
          const received: Array<number> = []
          while (received.length < total) {
            const batch = yield* sqs.receiveMessage({
              QueueUrl: queue.url,
              MaxNumberOfMessages: 10,
              VisibilityTimeout: 300
            })
            assert.isNotEmpty(batch.Messages ?? [], `received ${received.length} of ${total}`)
            for (const message of batch.Messages ?? []) received.push(Number(message.Body?.split(" ")[1]))
          }
          assert.deepStrictEqual(
            received.toSorted((a, b) => a - b),
            Array.from({ length: total }, (_, i) => i + 1)
          )
        }).pipe(
          Effect.ensuring(Effect.flatMap(LocalSqs, (server) => Effect.sync(() => server.clearFaults())))
        ),
      30_000
    )
  }
)
