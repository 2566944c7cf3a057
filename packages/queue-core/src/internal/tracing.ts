import { Effect, References, Tracer } from "effect"

/**
 * Whether spans go anywhere: tracing is on and a tracer other than Effect's native one (which
 * records nothing) is installed. Without one, the library's own spans are skipped: they would
 * cost work per batch and, on the producer, a `traceparent` per message that no trace holds.
 */
export const tracerInstalled: Effect.Effect<boolean> = Effect.gen(function* () {
  return (yield* References.TracerEnabled) && (yield* Tracer.Tracer) !== Tracer.nativeTracer
})
