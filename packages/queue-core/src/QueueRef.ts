/**
 * How a queue is named by users: a queue name, a queue URL, or a queue ARN.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * @category models
 */
export type QueueRef =
  | { readonly _tag: "Name"; readonly name: string }
  | {
      readonly _tag: "Url"
      readonly name: string
      readonly url: string
      readonly accountId: string | undefined
    }
  | { readonly _tag: "Arn"; readonly name: string; readonly region: string; readonly accountId: string }

/**
 * A queue reference that is none of a name, a URL or an ARN.
 *
 * @category errors
 */
export class InvalidQueueRef extends Schema.TaggedError<InvalidQueueRef>()("InvalidQueueRef", {
  message: Schema.String
}) {}

/** SQS queue names: 1 to 80 characters of `[A-Za-z0-9_-]`, FIFO names ending in `.fifo`. */
const NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$|^[A-Za-z0-9_-]{1,80}$/
const ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):(.+)$/

/**
 * Reads a queue reference.
 *
 * @category constructors
 */
export const parse = (input: string): QueueRef | InvalidQueueRef => {
  const value = input.trim()
  const arn = ARN.exec(value)
  if (arn !== null) {
    const [, region = "", accountId = "", name = ""] = arn
    return NAME.test(name) ? { _tag: "Arn", name, region, accountId } : invalid(input)
  }
  if (/^https?:\/\//.test(value)) {
    if (!URL.canParse(value)) return invalid(input)
    const segments = new URL(value).pathname.split("/").filter((segment) => segment !== "")
    const name = segments.at(-1) ?? ""
    const accountId = segments.length >= 2 ? segments.at(-2) : undefined
    return NAME.test(name) ? { _tag: "Url", name, url: value, accountId } : invalid(input)
  }
  return NAME.test(value) ? { _tag: "Name", name: value } : invalid(input)
}

const invalid = (input: string) =>
  new InvalidQueueRef({
    message:
      `"${input}" is not a queue name, URL or ARN ` +
      "(a name is 1 to 80 characters of letters, digits, - and _, FIFO names end in .fifo)"
  })

/**
 * True for FIFO queue names.
 *
 * @category predicates
 */
export const isFifoName = (name: string): boolean => name.endsWith(".fifo")
