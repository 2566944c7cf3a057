/**
 * `--attribute name=value` (a String), `name:Number=1`, `name:Binary=<base64>`, or a custom type
 * label such as `name:Number.int=1`.
 */
import { OutgoingMessage } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { CliError } from "effect/cli"

const ATTRIBUTE = /^([^:=]+)(?::((?:String|Number|Binary)(?:\.[A-Za-z0-9_.-]+)?))?=(.*)$/s

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
      // Strict base64: Node's own decoder would turn "!!!" into no bytes at all.
      const bytes = OutgoingMessage.decodeBase64(raw)
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
