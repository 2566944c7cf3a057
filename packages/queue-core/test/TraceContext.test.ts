import { assert, describe, it, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Tracer } from "effect"
import { Consumer, Producer, TraceContext } from "../src/index.ts"
import { LocalSqs, LocalSqsServices, uniqueName } from "./fixtures.ts"

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
    it.effect("the consumer handles a message in a span whose parent is the span that sent it", () =>
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
          )
        )
        const span = yield* Deferred.await(handled)
        yield* Fiber.interrupt(consumer)
        assert.strictEqual(span.traceId, sender.traceId)
        assert.strictEqual(Option.getOrUndefined(span.parent)?.spanId, sender.spanId)
        assert.strictEqual(span.kind, "consumer")
      })
    )
  }
)
