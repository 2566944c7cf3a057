import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import * as Receipts from "../src/internal/receipts.ts"
import * as FakeSqs from "./fakeSqs.ts"

/** A DeleteMessageBatch that fails the given entry ids once, on SQS's side or the sender's. */
const failingOnce = (ids: ReadonlyArray<string>, senderFault: boolean) => {
  let first = true
  return (input: { Entries: Array<{ Id: string }> }) => {
    const failed = first ? input.Entries.filter((entry) => ids.includes(entry.Id)) : []
    first = false
    return Effect.succeed({
      Successful: input.Entries.filter((entry) => !failed.includes(entry)).map((entry) => ({ Id: entry.Id })),
      Failed: failed.map((entry) => ({
        Id: entry.Id,
        SenderFault: senderFault,
        Code: senderFault ? "ReceiptHandleIsInvalid" : "InternalError"
      }))
    })
  }
}

describe("receipts", () => {
  it.effect("groups deletes after the flush delay and retries only the entries SQS failed on its side", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make()
      const client = { ...sqs.client, deleteMessageBatch: failingOnce(["1"], false) }
      const calls: Array<ReadonlyArray<string>> = []
      const recording = {
        ...client,
        deleteMessageBatch: (input: any) => {
          calls.push(input.Entries.map((entry: { ReceiptHandle: string }) => entry.ReceiptHandle))
          return client.deleteMessageBatch(input)
        }
      }
      const receipts = yield* Receipts.make(recording as any, FakeSqs.queue, {
        deleteFlushDelay: Duration.millis(20)
      })
      for (const receipt of ["a", "b", "c"]) yield* receipts.delete(receipt)
      yield* Effect.yieldNow
      yield* TestClock.adjust("20 millis")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(calls, [["a", "b", "c"], ["b"]])
    }).pipe(Effect.scoped)
  )

  it.effect("does not retry entries rejected for their own fault", () =>
    Effect.gen(function* () {
      const sqs = yield* FakeSqs.make()
      let calls = 0
      const client = {
        ...sqs.client,
        deleteMessageBatch: (input: any) => {
          calls++
          return failingOnce(["0"], true)(input)
        }
      }
      const receipts = yield* Receipts.make(client as any, FakeSqs.queue, { deleteFlushDelay: Duration.zero })
      yield* receipts.delete("expired")
      yield* Effect.yieldNow
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(calls, 1)
    }).pipe(Effect.scoped)
  )
})
