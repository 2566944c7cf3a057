/**
 * The most SQS can answer, per request: anything longer did not come from SQS and is refused
 * before it fills the process's memory (see `boundedBody.ts`).
 */

const MiB = 1024 * 1024

/**
 * A receive: ten messages of at most 1 MiB each (body and attributes), written as JSON, where
 * escaping at most triples a body's bytes (`\u00e9` for the two bytes of `é`), plus receipt
 * handles, checksums and system attributes.
 */
export const MAX_RECEIVE_ANSWER_BYTES = 10 * 3 * MiB + MiB

/** Any other answer: ids, checksums, queue URLs and attributes, error text. */
export const MAX_OTHER_ANSWER_BYTES = MiB

/** The bound for an action, by its name (`ReceiveMessage`) or its `X-Amz-Target` (`AmazonSQS.ReceiveMessage`). */
export const forAction = (action: string | undefined): number =>
  action === "ReceiveMessage" || action === "AmazonSQS.ReceiveMessage"
    ? MAX_RECEIVE_ANSWER_BYTES
    : MAX_OTHER_ANSWER_BYTES
