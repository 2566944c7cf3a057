/**
 * Effect services for Amazon SQS: a client with typed errors, queues by name/URL/ARN, a
 * validating producer and a lossless long-poll consumer.
 *
 * @since 0.1.0
 */
export * as Consumer from "./Consumer.ts"
export * as ConsumerMetrics from "./ConsumerMetrics.ts"
export * as LargePayloads from "./LargePayloads.ts"
export * as OutgoingMessage from "./OutgoingMessage.ts"
export * as PayloadStore from "./PayloadStore.ts"
export * as Peek from "./Peek.ts"
export * as Producer from "./Producer.ts"
export * as QueueRef from "./QueueRef.ts"
export * as QueueServices from "./QueueServices.ts"
export * as Queues from "./Queues.ts"
export * as Redact from "./Redact.ts"
export * as Redrive from "./Redrive.ts"
export * as Schedules from "./Schedules.ts"
export * as SnsEnvelope from "./SnsEnvelope.ts"
export * as SqsClient from "./SqsClient.ts"
export * as SqsConfig from "./SqsConfig.ts"
export * as SqsError from "./SqsError.ts"
export * as SqsMetrics from "./SqsMetrics.ts"
export * as TraceContext from "./TraceContext.ts"
