/**
 * The messages the sender sends, from its flags: one body, N numbered copies, or one message per
 * line of a file or of stdin.
 */

import { AppErrors } from "@bgcheck/app-kit"
import type { OutgoingMessage } from "@bgcheck/queue-core"
import { Effect, FileSystem, Option, Stdio, Stream } from "effect"
import type { PlatformError } from "effect/PlatformError"

export interface Source {
  readonly body: string
  readonly count: number
  readonly file: Option.Option<string>
}

/** A message with where it came from, for error reports (a copy number or a line number). */
export interface Labelled {
  readonly label: string
  readonly body: string
}

/** N copies of the body; numbered when there is more than one. */
export const copies = (body: string, count: number): Array<Labelled> =>
  count === 1
    ? [{ label: "message 1", body }]
    : Array.from({ length: count }, (_, i) => ({
        label: `message ${i + 1}`,
        body: `${body} (${i + 1}/${count})`
      }))

/** One message per non-empty line; a line of JSON stays a body as it is. */
export const lines = (text: string): Array<Labelled> =>
  text
    .split(/\r?\n/)
    .map((body, i) => ({ label: `line ${i + 1}`, body }))
    .filter((line) => line.body.trim() !== "")

const readStdin = Effect.gen(function* () {
  const stdio = yield* Stdio.Stdio
  const decoder = new TextDecoder()
  const chunks = yield* Stream.runCollect(stdio.stdin)
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") + decoder.decode()
})

const systemReasons: Record<string, string> = {
  NotFound: "no such file",
  PermissionDenied: "permission denied",
  BadResource: "not a readable file"
}

/** Why a file could not be read, in a few words. */
const whyUnreadable = (error: { readonly message: string; readonly reason?: unknown }): string => {
  const tag = (error.reason as { _tag?: string } | undefined)?._tag
  return (tag !== undefined && systemReasons[tag]) || error.message
}

/** Reads the messages the flags describe. */
export const read = (source: Source) => {
  if (Option.isNone(source.file)) return Effect.succeed(copies(source.body, source.count))
  const path = source.file.value
  const text: Effect.Effect<string, PlatformError, FileSystem.FileSystem | Stdio.Stdio> =
    path === "-" ? readStdin : Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path))
  return text.pipe(
    Effect.map(lines),
    Effect.mapError((error) => AppErrors.badInput(`cannot read --file ${path}: ${whyUnreadable(error)}`))
  )
}

/** Attributes and FIFO settings applied to every message. */
export const withSettings = (
  message: Labelled,
  settings: Omit<OutgoingMessage.OutgoingMessage, "body">
): OutgoingMessage.OutgoingMessage => ({ ...settings, body: message.body })
