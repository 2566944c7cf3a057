/**
 * A sender's text (a name, a value, a key from a message) inside a line this library writes: a
 * reason, a log line, an error. It never spans lines nor fills a screen, whatever the sender put
 * in it.
 */

/** How much of a value from a message goes into a line of text. */
const SHOWN = 120

/** What JSON leaves as it is and must not reach a line: Unicode line breaks, DEL and C1, bidi overrides and isolates. */
const UNSAFE_FOR_A_LINE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * Escaped as JSON escapes a string (control characters, quotes, backslashes), the Unicode line
 * breaks, C1 and bidi controls too (a value cannot reorder the line it is in), and cut after 120 characters, saying how long it was. Only the start is escaped:
 * a megabyte value costs no more than a short one.
 */
export const shorten = (value: string): string => {
  const escaped = JSON.stringify(value.slice(0, SHOWN + 1))
    .slice(1, -1)
    .replace(UNSAFE_FOR_A_LINE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)
  return escaped.length <= SHOWN ? escaped : `${escaped.slice(0, SHOWN)}… (${value.length} characters)`
}

/** `shorten` in double quotes: `"value"`. */
export const quote = (value: string): string => `"${shorten(value)}"`
