/**
 * What both transports of `SqsClient` share: the shape of its actions, the queue a request is
 * about (for error messages), and the reason of a request that got no answer in time, one text
 * whichever transport (and whichever timer) gave up on it.
 */
import type {
  ChangeMessageVisibilityBatchCommandInput,
  ChangeMessageVisibilityBatchCommandOutput,
  CreateQueueCommandInput,
  CreateQueueCommandOutput,
  DeleteMessageBatchCommandInput,
  DeleteMessageBatchCommandOutput,
  GetQueueAttributesCommandInput,
  GetQueueAttributesCommandOutput,
  GetQueueUrlCommandInput,
  GetQueueUrlCommandOutput,
  ListQueuesCommandInput,
  ListQueuesCommandOutput,
  PurgeQueueCommandInput,
  PurgeQueueCommandOutput,
  ReceiveMessageCommandInput,
  ReceiveMessageCommandOutput,
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput,
  SendMessageCommandInput,
  SendMessageCommandOutput
} from "@aws-sdk/client-sqs"
import { Duration, type Effect } from "effect"
import { ConnectionLost, type SqsError } from "../SqsError.ts"

/**
 * The SQS actions this project uses, each as an Effect.
 */
export interface Actions {
  readonly getQueueUrl: (input: GetQueueUrlCommandInput) => Effect.Effect<GetQueueUrlCommandOutput, SqsError>
  readonly getQueueAttributes: (
    input: GetQueueAttributesCommandInput
  ) => Effect.Effect<GetQueueAttributesCommandOutput, SqsError>
  readonly listQueues: (input: ListQueuesCommandInput) => Effect.Effect<ListQueuesCommandOutput, SqsError>
  readonly createQueue: (input: CreateQueueCommandInput) => Effect.Effect<CreateQueueCommandOutput, SqsError>
  readonly purgeQueue: (input: PurgeQueueCommandInput) => Effect.Effect<PurgeQueueCommandOutput, SqsError>
  readonly sendMessage: (input: SendMessageCommandInput) => Effect.Effect<SendMessageCommandOutput, SqsError>
  readonly sendMessageBatch: (
    input: SendMessageBatchCommandInput
  ) => Effect.Effect<SendMessageBatchCommandOutput, SqsError>
  readonly receiveMessage: (
    input: ReceiveMessageCommandInput
  ) => Effect.Effect<ReceiveMessageCommandOutput, SqsError>
  readonly deleteMessageBatch: (
    input: DeleteMessageBatchCommandInput
  ) => Effect.Effect<DeleteMessageBatchCommandOutput, SqsError>
  readonly changeMessageVisibilityBatch: (
    input: ChangeMessageVisibilityBatchCommandInput
  ) => Effect.Effect<ChangeMessageVisibilityBatchCommandOutput, SqsError>
}

/** The queue a request is about, for error messages. */
export const queueOf = (input: object): string | undefined => {
  const { QueueName, QueueUrl } = input as { QueueName?: string; QueueUrl?: string }
  return QueueName ?? QueueUrl?.split("/").pop()
}

export const noAnswer = (location: string, deadline: Duration.Duration): ConnectionLost =>
  new ConnectionLost({
    message: `no answer from SQS at ${location} within ${Duration.format(deadline)}`,
    reset: false
  })
