/**
 * An in-memory stand-in for the SqsClient service (our own interface, not the SDK) for unit
 * tests that drive time with TestClock. It records every call with the virtual time it reached
 * "SQS": after `latency` for that call, when one is given, so that the order in which requests
 * arrive can differ from the order in which they were sent.
 */
import { Clock, Duration, Effect, Option, Ref } from "effect"
import type { Queues, SqsClient, SqsConfig } from "../src/index.ts"

export interface Call {
  readonly action: string
  readonly at: number
  readonly input: any
}

export const queue: Queues.Queue = {
  name: "jobs",
  url: "http://127.0.0.1:4566/000000000000/jobs",
  arn: "arn:aws:sqs:us-east-1:000000000000:jobs",
  fifo: false,
  contentBasedDeduplication: false,
  maximumMessageSize: 1_048_576,
  visibilityTimeout: Duration.seconds(30),
  redrivePolicy: Option.none()
}

/** What SQS answers to a long poll on an empty queue: nothing, after the wait time. */
export const emptyLongPoll = (input: { readonly WaitTimeSeconds?: number }) =>
  Effect.as(Effect.sleep(Duration.seconds(input.WaitTimeSeconds ?? 0)), { Messages: [] })

export const settings: SqsConfig.SqsSettings = {
  mode: "explicit",
  endpoint: "http://127.0.0.1:4566",
  region: "us-east-1",
  loopback: true,
  credentials: "placeholder",
  location: "http://127.0.0.1:4566",
  source: "test",
  // The fake answers through the SDK client stand-in.
  transport: "sdk"
}

export const make = (
  answers: {
    readonly receive?: (input: any) => Effect.Effect<any, any>
    /** What a DeleteMessageBatch answers (default: every entry deleted). */
    readonly delete?: (input: any) => Effect.Effect<any, any>
    /** How long a request takes to reach SQS, by action and input (default: no time). */
    readonly latency?: (action: string, input: any) => Duration.Input
  } = {}
) =>
  Effect.gen(function* () {
    const calls = yield* Ref.make<Array<Call>>([])
    const record =
      (action: string, answer: (input: any) => Effect.Effect<any, any> = () => Effect.succeed({})) =>
      (input: any) =>
        Effect.gen(function* () {
          if (answers.latency !== undefined) yield* Effect.sleep(answers.latency(action, input))
          const at = yield* Clock.currentTimeMillis
          yield* Ref.update(calls, (all) => [...all, { action, at, input }])
          return yield* answer(input)
        })
    const allSucceed = (input: any) =>
      Effect.succeed({
        Successful: input.Entries.map((entry: { Id: string }) => ({ Id: entry.Id })),
        Failed: []
      })
    const client = {
      settings,
      getQueueUrl: record("GetQueueUrl", () => Effect.succeed({ QueueUrl: queue.url })),
      getQueueAttributes: record("GetQueueAttributes"),
      listQueues: record("ListQueues"),
      createQueue: record("CreateQueue"),
      purgeQueue: record("PurgeQueue"),
      sendMessage: record("SendMessage"),
      sendMessageBatch: record("SendMessageBatch", allSucceed),
      receiveMessage: record("ReceiveMessage", (input) =>
        answers.receive ? answers.receive(input) : emptyLongPoll(input)
      ),
      deleteMessageBatch: record("DeleteMessageBatch", answers.delete ?? allSucceed),
      changeMessageVisibilityBatch: record("ChangeMessageVisibilityBatch", allSucceed)
    } as SqsClient.SqsClient["Service"]
    const callsOf = (action: string) =>
      Effect.map(Ref.get(calls), (all) => all.filter((call) => call.action === action))
    return { client, calls, callsOf }
  })
