import { assert, describe, it, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Stream, Tracer } from "effect"
import { Consumer, Producer, Queues, SqsClient, TraceContext } from "../src/index.ts"
import { LocalSqs, LocalSqsServices, uniqueName } from "./fixtures.ts"

/** A tracer that keeps its spans in memory, standing for an exporter such as OpenTelemetry's. */
const recordingTracer = Tracer.make({ span: (options) => new Tracer.NativeSpan(options) })

describe("TraceContext", () => {
  it("reads back the W3C traceparent it writes", () => {
    const span = Tracer.externalSpan({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7"
    })
    const value = Option.getOrThrow(TraceContext.format(span))
    assert.strictEqual(value, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    const parsed = Option.getOrThrow(TraceContext.parse(value))
    assert.deepInclude(parsed, { traceId: span.traceId, spanId: span.spanId, sampled: true })
  })

  it("ignores values that are not a traceparent", () => {
    assert.isTrue(Option.isNone(TraceContext.parse("00-xyz-00f067aa0ba902b7-01")))
    assert.isTrue(Option.isNone(TraceContext.parse("")))
  })

  it.effect("adds the current span to a message, but never as an eleventh attribute", () =>
    Effect.gen(function* () {
      const traced = yield* TraceContext.inject({ body: "x" }).pipe(Effect.withSpan("send"))
      assert.match(String(traced.attributes?.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      const untraced = yield* TraceContext.inject({ body: "x" })
      assert.isUndefined(untraced.attributes)
      const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, "v"]))
      const full = yield* TraceContext.inject({ body: "x", attributes: ten }).pipe(Effect.withSpan("send"))
      assert.strictEqual(Object.keys(full.attributes ?? {}).length, 10)
    })
  )
})

layer(LocalSqsServices, { excludeTestServices: true })(
  "trace context across the queue (local SQS over HTTP)",
  (it) => {
    it.effect(
      "with a tracer installed, the consumer handles a message in a span whose parent is the span that sent it",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalSqs
          const name = uniqueName("traced")
          server.createQueue({ name })
          const sender = yield* Effect.gen(function* () {
            yield* (yield* Producer.Producer).send(name, "traced")
            return yield* Effect.currentSpan
          }).pipe(Effect.withSpan("publish job"))
          const handled = yield* Deferred.make<Tracer.Span>()
          const consumer = yield* Effect.forkChild(
            Consumer.run(
              name,
              () => Effect.flatMap(Effect.currentSpan, (span) => Deferred.succeed(handled, span)),
              {
                waitTime: "1 second"
              }
            ).pipe(Effect.provideService(Tracer.Tracer, recordingTracer))
          )
          const span = yield* Deferred.await(handled)
          yield* Fiber.interrupt(consumer)
          assert.strictEqual(span.traceId, sender.traceId)
          assert.strictEqual(Option.getOrUndefined(span.parent)?.spanId, sender.spanId)
          assert.strictEqual(span.kind, "consumer")
        })
    )

    it.effect("a bulk send traces each batch when a tracer is installed, and adds nothing when none is", () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const producer = yield* Producer.Producer
        const name = uniqueName("traced-bulk")
        server.createQueue({ name })
        const { url } = yield* (yield* Queues.Queues).resolve(name)
        const traceparents = Effect.map(
          (yield* SqsClient.SqsClient).receiveMessage({
            QueueUrl: url,
            MessageAttributeNames: ["All"],
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1
          }),
          ({ Messages = [] }) =>
            Messages.map((message) => message.MessageAttributes?.traceparent?.StringValue)
        )
        const spans: Array<Tracer.Span> = []
        const recording = Tracer.make({
          span: (options) => {
            const span = new Tracer.NativeSpan(options)
            spans.push(span)
            return span
          }
        })
        yield* producer
          .sendAll(name, Stream.range(1, 3), { toMessage: (n) => `traced ${n}` })
          .pipe(Effect.provideService(Tracer.Tracer, recording))
        const traced = yield* traceparents
        assert.strictEqual(traced.length, 3)
        const batch = spans.find((span) => span.name === "Producer.sendBatch")
        assert.isDefined(batch)
        for (const value of traced) assert.strictEqual(value, Option.getOrThrow(TraceContext.format(batch!)))
        yield* producer.sendAll(name, Stream.range(1, 3), { toMessage: (n) => `untraced ${n}` })
        assert.deepStrictEqual(yield* traceparents, [undefined, undefined, undefined])
      })
    )

    it.effect("with no tracer, what a handler sends continues the trace of the message it handles", () =>
      Effect.gen(function* () {
        const server = yield* LocalSqs
        const producer = yield* Producer.Producer
        const first = uniqueName("traced-first")
        const next = uniqueName("traced-next")
        server.createQueue({ name: first })
        server.createQueue({ name: next })
        const sender = yield* Effect.gen(function* () {
          yield* producer.send(first, "step one")
          return yield* Effect.currentSpan
        }).pipe(Effect.withSpan("publish job"))
        const forwarded = yield* Deferred.make<void>()
        const consumer = yield* Effect.forkChild(
          Consumer.run(
            first,
            () => Effect.andThen(producer.send(next, "step two"), Deferred.succeed(forwarded, undefined)),
            { waitTime: "1 second" }
          )
        )
        yield* Deferred.await(forwarded)
        yield* Fiber.interrupt(consumer)
        const { url } = yield* (yield* Queues.Queues).resolve(next)
        const { Messages = [] } = yield* (yield* SqsClient.SqsClient).receiveMessage({
          QueueUrl: url,
          MessageAttributeNames: ["All"],
          WaitTimeSeconds: 1
        })
        const parent = TraceContext.parse(String(Messages[0]?.MessageAttributes?.traceparent?.StringValue))
        assert.strictEqual(Option.getOrUndefined(parent)?.traceId, sender.traceId)
      })
    )
  }
)
