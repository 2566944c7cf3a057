/**
 * Response bodies read up to a bound. What an endpoint or an object holds is decided by someone
 * else, and a body read whole without a limit can take the process's memory: every body this
 * package reads stops at the most it can legitimately be, and anything longer is an error, not a
 * string.
 *
 * - `readAtMost`: the bytes of a stream, as an Effect, failing as soon as it passes the bound
 *   (the stream is destroyed, so the rest is never received).
 * - `limited`: a stream that errors once the bound is passed, for the AWS SDK's own readers.
 * - `Bounded`: the bound itself, for readers that are handed chunks.
 */
import { type Readable, Transform } from "node:stream"
import { Effect } from "effect"

/** A body longer than it may be; `name` is what `SqsError.classify` and the stores recognise. */
export class BodyTooLarge extends Error {
  override readonly name = "ResponseTooLarge"
  readonly limit: number
  constructor(limit: number) {
    super(`the answer is over ${limit} bytes`)
    this.limit = limit
  }
}

/**
 * The stream's bytes, failing with `BodyTooLarge` once more than `limit` bytes came, or at once,
 * unread, when its declared length (a content-length) is already more; its own errors as they
 * are. Interrupting it destroys the stream.
 */
export const readAtMost = (
  stream: Readable,
  limit: number,
  declared?: number
): Effect.Effect<Buffer, unknown> =>
  declared !== undefined && declared > limit
    ? Effect.andThen(
        Effect.sync(() => discard(stream)),
        Effect.fail(new BodyTooLarge(limit))
      )
    : readUpTo(stream, limit)

/**
 * Chunks kept up to `limit` bytes: `add` says false, and keeps nothing more, once they pass it.
 * The one bound of `readAtMost` and of readers with no stream (the lean transport's handler).
 */
export class Bounded {
  private readonly chunks: Array<Buffer> = []
  private size = 0
  readonly limit: number
  constructor(limit: number) {
    this.limit = limit
  }
  add(chunk: Buffer): boolean {
    this.size += chunk.length
    if (this.size > this.limit) return false
    this.chunks.push(chunk)
    return true
  }
  bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size)
  }
}

const readUpTo = (stream: Readable, limit: number): Effect.Effect<Buffer, unknown> =>
  Effect.callback<Buffer, unknown>((resume) => {
    const bounded = new Bounded(limit)
    const detach = () => {
      stream.off("data", onData)
      stream.off("end", onEnd)
      stream.off("error", onError)
    }
    const onData = (chunk: Buffer | string) => {
      if (!bounded.add(typeof chunk === "string" ? Buffer.from(chunk) : chunk)) {
        detach()
        discard(stream)
        resume(Effect.fail(new BodyTooLarge(limit)))
      }
    }
    const onEnd = () => {
      detach()
      resume(Effect.succeed(bounded.bytes()))
    }
    const onError = (error: unknown) => {
      detach()
      resume(Effect.fail(error))
    }
    stream.on("data", onData)
    stream.once("end", onEnd)
    stream.once("error", onError)
    return Effect.sync(() => {
      detach()
      discard(stream)
    })
  })

/** Destroys a stream no one reads any more; the abort error it then emits is nobody's business. */
export const discard = (stream: Readable): void => {
  stream.on("error", () => {})
  stream.destroy()
}

/** `stream` passed through, erroring with `BodyTooLarge` (and destroying it) past `limit` bytes. */
export const limited = (stream: Readable, limit: number): Readable => {
  let size = 0
  const bounded = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size > limit) {
        discard(stream)
        callback(new BodyTooLarge(limit))
        return
      }
      callback(null, chunk)
    }
  })
  stream.once("error", (error) => bounded.destroy(error))
  return stream.pipe(bounded)
}
