/**
 * `--attribute name=value` (a String), `name:Number=1`, `name:Binary=<base64>`, or a custom type
 * label such as `name:Number.int=1`.
 */
import type { OutgoingMessage } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { CliError } from "effect/cli"

const ATTRIBUTE = /^([^:=]+)(?::((?:String|Number|Binary)(?:\.[A-Za-z0-9_.-]+)?))?=(.*)$/s

/** Standard base64 (RFC 4648 section 4), padded, at least one byte. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The bytes of strict base64, or undefined: only the base64 alphabet, the padding in place, and
 * no stray bits in the last character (Node's own decoder skips what it does not understand,
 * so `!!!` would be an empty value).
 */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  if (text === "" || !BASE64.test(text)) return undefined
  const bytes = Buffer.from(text, "base64")
  return bytes.toString("base64") === text ? bytes : undefined
}

const invalid = (value: string, expected: string) =>
  Effect.fail(new CliError.InvalidValue({ option: "attribute", value, expected, kind: "flag" }))

export const parse = (
  values: ReadonlyArray<string>
): Effect.Effect<Record<string, OutgoingMessage.AttributeValue>, CliError.InvalidValue> => {
  const attributes: Record<string, OutgoingMessage.AttributeValue> = {}
  for (const value of values) {
    const match = ATTRIBUTE.exec(value)
    if (match === null) return invalid(value, "name=value, name:Number=1 or name:Binary=<base64>")
    const [, name = "", dataType = "String", raw = ""] = match
    if (dataType.startsWith("Binary")) {
      const bytes = decodeBase64(raw)
      if (bytes === undefined) {
        return invalid(value, "a Binary value in base64 (A-Z, a-z, 0-9, + and /, padded with =), not empty")
      }
      attributes[name] = { dataType, value: bytes }
    } else {
      attributes[name] = { dataType, value: raw }
    }
  }
  return Effect.succeed(attributes)
}
