/**
 * The messages the sender sends, from its flags, as a stream so that any number of them takes
 * constant memory: one body, N numbered copies, or one message per non-empty line of a file or
 * of stdin. Each carries a label (its copy or line number) for reports.
 */
import { AppErrors } from "@bgcheck/app-kit"
import { Data, Effect, FileSystem, Option, type Scope, Stdio, Stream } from "effect"
import type { PlatformError } from "effect/PlatformError"

export interface Source {
  readonly body: string
  readonly count: number
  readonly file: Option.Option<string>
}

/** A message body with where it came from (a copy number or a line number). */
export interface Labelled {
  readonly label: string
  /** Its line number, or its copy number. */
  readonly number: number
  readonly body: string
}

/** The copy numbered `n` of `count` copies of the body; numbered when there is more than one. */
export const copy = (body: string, n: number, count: number): Labelled => ({
  label: `message ${n}`,
  number: n,
  body: count === 1 ? body : `${body} (${n}/${count})`
})

/** N copies of the body; numbered when there is more than one. */
export const copies = (body: string, count: number): Stream.Stream<Labelled> =>
  Stream.range(1, count).pipe(Stream.map((n) => copy(body, n, count)))

const EMPTY: Uint8Array = new Uint8Array(0)
const LF = 0x0a
const CR = 0x0d

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  const joined = new Uint8Array(a.length + b.length)
  joined.set(a)
  joined.set(b, a.length)
  return joined
}

/**
 * The bytes at the end that begin a UTF-8 sequence not complete yet: what a streaming decoder
 * holds back for the next chunk (at most 3 bytes).
 */
const incompleteTail = (bytes: Uint8Array): Uint8Array => {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!
    if ((byte & 0xc0) === 0x80) continue
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    return length > back ? bytes.slice(bytes.length - back) : EMPTY
  }
  return EMPTY
}

/**
 * The text of `bytes` up to the line break before their first invalid sequence, `pending` being
 * the start of a sequence left over from the previous chunk. Only called once decoding failed.
 */
const textBeforeInvalidLine = (pending: Uint8Array, bytes: Uint8Array): string => {
  const input = concat(pending, bytes)
  const decoder = new TextDecoder("utf-8", { fatal: true })
  let text = ""
  let from = 0
  while (from < input.length) {
    let end = from
    while (end < input.length && input[end] !== LF && input[end] !== CR) end++
    // The segment ends with its line break, so that a sequence cut short by it fails here.
    end = Math.min(end + 1, input.length)
    try {
      const segment = decoder.decode(input.subarray(from, end), { stream: true })
      if (input[end - 1] !== LF && input[end - 1] !== CR) return text
      text += segment
    } catch {
      return text
    }
    from = end
  }
  return text
}

/**
 * Bytes decoded as UTF-8, strictly: an invalid sequence (including an encoded surrogate) or a
 * sequence cut short at the end fails the stream with `invalid()` instead of becoming U+FFFD.
 * Before failing, the text up to the line break before the invalid sequence is emitted, so that
 * whoever splits lines downstream has counted every line before the invalid one when `invalid`
 * is called. Chunk by chunk, in constant memory.
 */
export const decodeUtf8 = <E, R, E2>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  invalid: () => E2
): Stream.Stream<string, E | E2, R> =>
  Stream.suspend(() => {
    const decoder = new TextDecoder("utf-8", { fatal: true })
    let pending: Uint8Array = EMPTY
    const fail = Stream.suspend(() => Stream.fail(invalid()))
    const decoded = bytes.pipe(
      Stream.flatMap((chunk) => {
        let text: string
        try {
          text = decoder.decode(chunk, { stream: true })
        } catch {
          const before = textBeforeInvalidLine(pending, chunk)
          return before === "" ? fail : Stream.concat(Stream.succeed(before), fail)
        }
        pending = incompleteTail(chunk.length >= 3 ? chunk : concat(pending, chunk))
        return text === "" ? Stream.empty : Stream.succeed(text)
      })
    )
    const end = Stream.suspend(() => {
      try {
        const rest = decoder.decode()
        return rest === "" ? Stream.empty : Stream.succeed(rest)
      } catch {
        return fail
      }
    })
    return Stream.concat(decoded, end)
  })

/** A line whose bytes are not UTF-8. */
export class InvalidUtf8 extends Data.TaggedError("InvalidUtf8")<{ readonly line: number }> {
  override get message(): string {
    return `line ${this.line}: not valid UTF-8`
  }
}

/**
 * One message per non-empty line of UTF-8 bytes (a line of JSON stays a body as it is); bytes
 * that are not UTF-8 fail the stream with the number of their line.
 */
export const decodeLines = <E, R>(
  bytes: Stream.Stream<Uint8Array, E, R>
): Stream.Stream<Labelled, E | InvalidUtf8, R> =>
  Stream.suspend(() => {
    let split = 0
    return decodeUtf8(bytes, () => new InvalidUtf8({ line: split + 1 })).pipe(
      Stream.splitLines,
      Stream.map((body): Labelled => {
        const number = ++split
        return { label: `line ${number}`, number, body }
      }),
      Stream.filter((line) => line.body.trim() !== "")
    )
  })

const systemReasons: Record<string, string> = {
  NotFound: "no such file",
  PermissionDenied: "permission denied",
  BadResource: "not a readable file"
}

/** Why a file could not be read, in a few words. */
const whyUnreadable = (error: PlatformError): string => {
  const tag = (error.reason as { _tag?: string } | undefined)?._tag
  return (tag !== undefined && systemReasons[tag]) || error.message
}

/**
 * Copies stdin to a temporary file, private to the user and removed when the scope closes, so
 * that stdin too is checked whole before anything is sent, and read a second time to send it.
 */
export const copyStdin: Effect.Effect<
  string,
  AppErrors.AppError,
  FileSystem.FileSystem | Stdio.Stdio | Scope.Scope
> = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const stdio = yield* Stdio.Stdio
  const path = yield* fs.makeTempFileScoped({ prefix: "sender-stdin-" })
  yield* Stream.run(stdio.stdin, fs.sink(path))
  return path
}).pipe(Effect.mapError((error) => AppErrors.failure(`cannot read stdin: ${whyUnreadable(error)}`)))

/**
 * The messages the flags describe. A file that cannot be read fails with a one-line error, a
 * line that is not UTF-8 with `InvalidUtf8`. `--file -` reads `stdinCopy` (see `copyStdin`) when given,
 * else stdin itself.
 */
export const stream = (
  source: Source,
  stdinCopy?: string
): Stream.Stream<Labelled, AppErrors.AppError | InvalidUtf8, FileSystem.FileSystem | Stdio.Stdio> => {
  if (Option.isNone(source.file)) return copies(source.body, source.count)
  const path = source.file.value
  const bytes: Stream.Stream<
    Uint8Array,
    PlatformError | AppErrors.AppError,
    FileSystem.FileSystem | Stdio.Stdio
  > =
    path === "-"
      ? stdinCopy === undefined
        ? Stream.unwrap(Effect.map(Stdio.Stdio, (stdio) => stdio.stdin))
        : Stream.unwrap(Effect.map(FileSystem.FileSystem, (fs) => fs.stream(stdinCopy)))
      : Stream.unwrap(
          Effect.gen(function* () {
            const fs = yield* FileSystem.FileSystem
            if (path === "") {
              return yield* Effect.fail(AppErrors.badInput("--file needs a path (or - for stdin)"))
            }
            // Fail early, with the path, rather than at the first read.
            yield* fs.access(path)
            const info = yield* fs.stat(path)
            if (info.type === "Directory") {
              return yield* Effect.fail(AppErrors.badInput(`cannot read --file ${path}: it is a directory`))
            }
            return fs.stream(path)
          }).pipe(
            Effect.mapError((error) =>
              error._tag === "AppError"
                ? error
                : AppErrors.badInput(`cannot read --file ${path}: ${whyUnreadable(error)}`)
            )
          )
        )
  const name = path === "-" ? "stdin" : `--file ${path}`
  return decodeLines(bytes).pipe(
    Stream.mapError((error) =>
      error._tag === "AppError" || error._tag === "InvalidUtf8"
        ? error
        : AppErrors.badInput(`cannot read ${name}: ${whyUnreadable(error)}`)
    )
  )
}
