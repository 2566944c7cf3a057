export * from "./LocalSqs.ts"
export { BACKGROUND_CHECK_QUEUES } from "./labQueues.ts"
