/**
 * Text written by someone else (a message body, a key, an error an endpoint sent), made safe to
 * print on one line for a person.
 */

/** The most of one value a printed line carries: someone else's text must not fill a screen or a log store. */
export const MAX_PRINTED_CHARACTERS = 2_000

/** `text` cut to `MAX_PRINTED_CHARACTERS`, saying how much was left out. */
export const cut = (text: string): string =>
  text.length <= MAX_PRINTED_CHARACTERS
    ? text
    : `${text.slice(0, MAX_PRINTED_CHARACTERS)}… (${text.length - MAX_PRINTED_CHARACTERS} more characters)`
