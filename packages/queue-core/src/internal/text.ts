/**
 * A sender's text (a name, a value, a key from a message) inside a line this library writes: a
 * reason, a log line, an error. It never spans lines nor fills a screen, whatever the sender put
 * in it.
 */

/** How much of a value from a message goes into a line of text. */
const SHOWN = 120

/** Line breaks JSON leaves as they are. */
const UNICODE_LINE_BREAKS = /[\u0085\u2028\u2029]/g

/**
 * Escaped as JSON escapes a string (control characters, quotes, backslashes), the Unicode line
 * breaks too, and cut after 120 characters, saying how long it was. Only the start is escaped:
 * a megabyte value costs no more than a short one.
 */
export const shorten = (value: string): string => {
  const escaped = JSON.stringify(value.slice(0, SHOWN + 1))
    .slice(1, -1)
    .replace(UNICODE_LINE_BREAKS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)
  return escaped.length <= SHOWN ? escaped : `${escaped.slice(0, SHOWN)}… (${value.length} characters)`
}

/** `shorten` in double quotes: `"value"`. */
export const quote = (value: string): string => `"${shorten(value)}"`
