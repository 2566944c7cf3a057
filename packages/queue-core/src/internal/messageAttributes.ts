/**
 * SQS's rules for message attributes, in one place: the producer checks what it is about to send
 * with them (`OutgoingMessage`), and the consumer checks what an SNS envelope claims to carry
 * (`SnsEnvelope`), since a body is anyone's text. Each check answers undefined or a one-line
 * reason that names the attribute (`attribute "n" ...`), its value cut short (`internal/text`).
 *
 * The rules are those of the SQS Developer Guide (message attributes) and API reference
 * (MessageAttributeValue):
 * - at most 10 attributes;
 * - a name is 1 to 256 of `A-Z a-z 0-9 _ - .`, neither starting nor ending with a period, no two
 *   periods in a row, not starting with `AWS.` or `Amazon.` in any casing;
 * - a data type is `String`, `Number` or `Binary`, optionally followed by `.` and a custom label
 *   of characters a message body may hold, at most 256 characters in all;
 * - no value is empty; a String value holds only characters a message body may hold; a Number
 *   value is a decimal number (sign, digits, fraction, exponent) of at most 38 significant digits
 *   and, unless zero, a magnitude from 10^-128 to 10^+126;
 * - a Binary value given as text (SNS envelopes, the sender's flag) is standard base64 (RFC 4648
 *   section 4) with its padding, as SNS and the AWS SDKs write it.
 */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs"
import { quote } from "./text.ts"

export const MAX_ATTRIBUTES = 10
const MAX_NAME_LENGTH = 256
const MAX_DATA_TYPE_LENGTH = 256
const MAX_NUMBER_DIGITS = 38
/** A Number's magnitude is from 10^MIN_EXPONENT to 10^MAX_EXPONENT. */
const MIN_EXPONENT = -128
const MAX_EXPONENT = 126

/** The UTF-8 size of a string, without encoding it. */
export const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/** Any character outside what SQS accepts; a lone surrogate does not match the ranges either. */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

/**
 * The first character SQS rejects (it accepts #x9, #xA, #xD, #x20 to #xD7FF, #xE000 to #xFFFD and
 * #x10000 to #x10FFFF), as its index in the string and code point; undefined when all are valid.
 */
export const findInvalidCharacter = (text: string): { index: number; codePoint: number } | undefined => {
  // The regular expression answers the common case fast; the loop finds the position.
  if (!INVALID_CHARACTER.test(text)) return undefined
  let index = 0
  for (const char of text) {
    const codePoint = char.codePointAt(0)!
    const valid =
      codePoint === 0x9 ||
      codePoint === 0xa ||
      codePoint === 0xd ||
      (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
      (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
      (codePoint >= 0x10000 && codePoint <= 0x10ffff)
    if (!valid) return { index, codePoint }
    index += char.length
  }
  return undefined
}

/** A code point as `U+0007`. */
export const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`

const NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]+$/
const RESERVED_PREFIX = /^(aws\.|amazon\.)/i

/** Why SQS would refuse this attribute name, or undefined. */
export const checkName = (name: string): string | undefined =>
  name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME.test(name) && !RESERVED_PREFIX.test(name)
    ? undefined
    : `attribute name ${quote(name)} is invalid: up to ${MAX_NAME_LENGTH} letters, digits, _ - and ., ` +
      "no leading, trailing or double period, not starting with AWS. or Amazon."

/** `String`, `Number` or `Binary`, then its custom label if any. */
const DATA_TYPE = /^(String|Number|Binary)(?:\.(.+))?$/s

/** The base type of a valid data type (`Number` for `Number.int`). */
export const baseType = (dataType: string): "String" | "Number" | "Binary" | undefined =>
  DATA_TYPE.exec(dataType)?.[1] as "String" | "Number" | "Binary" | undefined

/** Why SQS would refuse this data type, or undefined. */
export const checkDataType = (name: string, dataType: string): string | undefined => {
  const match = DATA_TYPE.exec(dataType)
  // Counted in characters (code points), as SQS counts them: at least half the UTF-16 length.
  const tooLong =
    dataType.length > MAX_DATA_TYPE_LENGTH &&
    (dataType.length > 2 * MAX_DATA_TYPE_LENGTH || [...dataType].length > MAX_DATA_TYPE_LENGTH)
  if (match === null || tooLong || (match[2] !== undefined && findInvalidCharacter(match[2]) !== undefined)) {
    return (
      `attribute ${quote(name)} has data type ${quote(dataType)}; use String, Number or Binary, ` +
      `optionally with a custom label (Number.int), at most ${MAX_DATA_TYPE_LENGTH} characters`
    )
  }
  return undefined
}

/** Sign, digits with an optional fraction (`5.`, `.5` too), optional exponent: Java's BigDecimal. */
const DECIMAL = /^[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/

/** Why SQS would refuse this Number value (undefined when it would store it). */
const checkNumber = (name: string, value: string): string | undefined => {
  const match = DECIMAL.exec(value)
  if (match === null)
    return `attribute ${quote(name)} is of type Number but its value ${quote(value)} is not a number`
  const integer = match[1] ?? ""
  const digits = integer + (match[2] ?? match[3] ?? "")
  const first = digits.search(/[1-9]/)
  if (first === -1) return undefined // zero
  let last = digits.length - 1
  while (digits[last] === "0") last--
  // Leading and trailing zeros are not precision: SQS trims them.
  if (last - first + 1 > MAX_NUMBER_DIGITS) {
    return (
      `attribute ${quote(name)} is of type Number but its value ${quote(value)} has ` +
      `${last - first + 1} significant digits; SQS keeps at most ${MAX_NUMBER_DIGITS}`
    )
  }
  // The power of ten of the first significant digit; a huge exponent is out of range either way.
  const magnitude = integer.length - 1 - first + Number(match[4] ?? "0")
  const inRange =
    magnitude >= MIN_EXPONENT &&
    (magnitude < MAX_EXPONENT || (magnitude === MAX_EXPONENT && last === first && digits[first] === "1"))
  return inRange
    ? undefined
    : `attribute ${quote(name)} is of type Number but its value ${quote(value)} is out of SQS's range ` +
        `(a magnitude from 10^${MIN_EXPONENT} to 10^+${MAX_EXPONENT}, or zero)`
}

/**
 * Why SQS would refuse this attribute's value for its data type (checked first), or undefined.
 * Number values need a `StringValue`, Binary ones a `BinaryValue`.
 */
export const checkValue = (name: string, attribute: MessageAttributeValue): string | undefined => {
  const dataType = attribute.DataType ?? ""
  const typeProblem = checkDataType(name, dataType)
  if (typeProblem !== undefined) return typeProblem
  const base = baseType(dataType)
  if (base === "Binary") {
    if (attribute.BinaryValue === undefined && attribute.StringValue !== undefined) {
      return `attribute ${quote(name)} is of type ${quote(dataType)} but its value is text, not bytes`
    }
    if (attribute.BinaryValue === undefined || attribute.BinaryValue.length === 0) {
      return `attribute ${quote(name)} has an empty value`
    }
    return undefined
  }
  const value = attribute.StringValue
  if (value === undefined && attribute.BinaryValue !== undefined) {
    return `attribute ${quote(name)} is of type ${quote(dataType)} but its value is bytes, not text`
  }
  if (value === undefined || value.length === 0) return `attribute ${quote(name)} has an empty value`
  if (base === "Number") return checkNumber(name, value)
  const bad = findInvalidCharacter(value)
  return bad === undefined
    ? undefined
    : `attribute ${quote(name)} has a character SQS rejects (${hex(bad.codePoint)} at index ${bad.index})`
}

/** The standard base64 alphabet (RFC 4648 section 4), padding at the end only. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/**
 * The bytes of strict base64, or undefined: only the standard alphabet, the padding in place
 * (unpadded text is refused: SNS and the AWS SDKs always pad), no stray bits in the last
 * character, at least one byte. Node's own decoder skips what it does not understand, so `!!!`
 * would silently be no bytes at all.
 */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined
  // Encoding the bytes again gives the same text only when the padding and last bits were right.
  const bytes = Buffer.from(text, "base64")
  return bytes.toString("base64") === text ? Uint8Array.from(bytes) : undefined
}

/**
 * An attribute given as text (an SNS envelope's `{ Type, Value }`, Binary values in base64) in
 * SQS's shape, or why SQS would refuse it: name, data type, then value.
 */
export const fromText = (name: string, dataType: string, text: string): MessageAttributeValue | string => {
  const problem = checkName(name) ?? checkDataType(name, dataType)
  if (problem !== undefined) return problem
  let attribute: MessageAttributeValue
  if (baseType(dataType) === "Binary") {
    const bytes = text === "" ? new Uint8Array(0) : decodeBase64(text)
    if (bytes === undefined) {
      return (
        `attribute ${quote(name)} is of type Binary but its value ${quote(text)} is not base64 ` +
        "(A-Z, a-z, 0-9, + and /, padded with =)"
      )
    }
    attribute = { DataType: dataType, BinaryValue: bytes }
  } else {
    attribute = { DataType: dataType, StringValue: text }
  }
  return checkValue(name, attribute) ?? attribute
}
