export * from "./LocalSqs.ts"
export { BACKGROUND_CHECK_BUCKETS, BACKGROUND_CHECK_QUEUES, PAYLOAD_BUCKET } from "./labQueues.ts"
