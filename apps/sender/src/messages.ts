/**
 * The messages the sender sends, from its flags, as a stream so that any number of them takes
 * constant memory: one body, N numbered copies, or one message per non-empty line of a file or
 * of stdin. Each carries a label (its copy or line number) for reports.
 */
import { AppErrors } from "@bgcheck/app-kit"
import { Effect, FileSystem, Option, Stdio, Stream } from "effect"
import type { PlatformError } from "effect/PlatformError"

export interface Source {
  readonly body: string
  readonly count: number
  readonly file: Option.Option<string>
}

/** A message body with where it came from (a copy number or a line number). */
export interface Labelled {
  readonly label: string
  readonly body: string
}

/** N copies of the body; numbered when there is more than one. */
export const copies = (body: string, count: number): Stream.Stream<Labelled> =>
  Stream.range(1, count).pipe(
    Stream.map((n) => ({ label: `message ${n}`, body: count === 1 ? body : `${body} (${n}/${count})` }))
  )

/** One message per non-empty line; a line of JSON stays a body as it is. */
export const lines = <E, R>(text: Stream.Stream<string, E, R>): Stream.Stream<Labelled, E, R> =>
  text.pipe(
    Stream.splitLines,
    Stream.zipWithIndex,
    Stream.filter(([line]) => line.trim() !== ""),
    Stream.map(([body, index]) => ({ label: `line ${index + 1}`, body }))
  )

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

/** True when the messages come from a file that can be read twice (not stdin). */
export const isRereadable = (source: Source) => Option.isSome(source.file) && source.file.value !== "-"

/** The messages the flags describe. A file that cannot be read fails with a one-line error. */
export const stream = (
  source: Source
): Stream.Stream<Labelled, AppErrors.AppError, FileSystem.FileSystem | Stdio.Stdio> => {
  if (Option.isNone(source.file)) return copies(source.body, source.count)
  const path = source.file.value
  const bytes: Stream.Stream<
    Uint8Array,
    PlatformError | AppErrors.AppError,
    FileSystem.FileSystem | Stdio.Stdio
  > =
    path === "-"
      ? Stream.unwrap(Effect.map(Stdio.Stdio, (stdio) => stdio.stdin))
      : Stream.unwrap(
          Effect.gen(function* () {
            const fs = yield* FileSystem.FileSystem
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
  return lines(Stream.decodeText(bytes)).pipe(
    Stream.mapError((error) =>
      error._tag === "AppError"
        ? error
        : AppErrors.badInput(`cannot read --file ${path}: ${whyUnreadable(error)}`)
    )
  )
}
