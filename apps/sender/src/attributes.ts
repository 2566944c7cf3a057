/**
 * `--attribute name=value` (a String), `name:Number=1`, `name:Binary=<base64>`, or a custom type
 * label such as `name:Number.int=1`.
 */
import type { OutgoingMessage } from "@bgcheck/queue-core"
import { Effect } from "effect"
import { CliError } from "effect/cli"

const ATTRIBUTE = /^([^:=]+)(?::((?:String|Number|Binary)(?:\.[A-Za-z0-9_.-]+)?))?=(.*)$/s

export const parse = (
  values: ReadonlyArray<string>
): Effect.Effect<Record<string, OutgoingMessage.AttributeValue>, CliError.InvalidValue> => {
  const attributes: Record<string, OutgoingMessage.AttributeValue> = {}
  for (const value of values) {
    const match = ATTRIBUTE.exec(value)
    if (match === null) {
      return Effect.fail(
        new CliError.InvalidValue({
          option: "attribute",
          value,
          expected: "name=value, name:Number=1 or name:Binary=<base64>",
          kind: "flag"
        })
      )
    }
    const [, name = "", dataType = "String", raw = ""] = match
    attributes[name] = dataType.startsWith("Binary")
      ? { dataType, value: Buffer.from(raw, "base64") }
      : { dataType, value: raw }
  }
  return Effect.succeed(attributes)
}
