/**
 * Text from outside (a message body, a key, an error an endpoint sent) made safe to print on one
 * line for a person:
 *
 * - `escapeControl`: control characters (C0, DEL, C1), the line and paragraph separators and the
 *   bidi overrides and isolates come out as escapes (`\n`, `\r`, `\t`, else `\uXXXX`), so that a
 *   body cannot start a line of its own, return to the start of one, or reorder how one reads.
 *   Everything else prints as it is, other scripts and emoji included.
 * - `cut`: at most 2,000 characters of one value, so that someone else's text does not fill a
 *   screen or a log store.
 */

/** C0, DEL and C1; U+2028 and U+2029; the bidi embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

/** `text` with the characters above escaped, and nothing else changed. */
export const escapeControl = (text: string): string =>
  text.replace(UNSAFE, (char) => SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** The most of one value a printed line carries. */
export const MAX_PRINTED_CHARACTERS = 2_000

/** `text` cut to `MAX_PRINTED_CHARACTERS`, saying how much was left out. */
export const cut = (text: string): string =>
  text.length <= MAX_PRINTED_CHARACTERS
    ? text
    : `${text.slice(0, MAX_PRINTED_CHARACTERS)}… (${text.length - MAX_PRINTED_CHARACTERS} more characters)`
