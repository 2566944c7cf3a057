/**
 * The matrix: each scenario, its contenders at their common and best settings, and its counts in
 * the full and the quick mode. Environment variables are read in `config.ts`.
 */
import { APP_ENV, APP_NODE_FLAGS, APP_SETTINGS_TEXT } from "@bgcheck/app-kit/app-settings"

export type Role = "queue-core" | "peer" | "ceiling"

export interface Contender {
  readonly name: string
  /** Under src/. */
  readonly file: string
  readonly role: Role
  readonly env: Readonly<Record<string, string>>
}

export type Kind = "drain" | "steady" | "send"

export interface Scenario {
  readonly id: string
  readonly title: string
  readonly kind: Kind
  readonly latencyMs: number
  /** Messages drained or sent; in a steady flow, the total put on the queue. */
  readonly count: number
  /** Steady flow: messages a second, and its first milliseconds left out of "after warm-up". */
  readonly rate?: number
  readonly warmupMs?: number
  /** Environment of every contender in this scenario (handler time, slow messages, concurrency). */
  readonly env: Readonly<Record<string, string>>
  /** Node and V8 flags of every contender in this scenario (none: Node's defaults). */
  readonly nodeFlags?: ReadonlyArray<string>
  readonly contenders: ReadonlyArray<Contender>
  /** A run is stopped after this long; its rate then counts what was settled until then. */
  readonly capSeconds: number
  readonly repetitions: number
}

const queueCore = (concurrency: number, transport: "lean" | "sdk" = "lean"): Contender => ({
  name: `queue-core${transport === "sdk" ? " (sdk transport)" : ""}${concurrency === 100 ? "" : `, maxInFlight ${concurrency}`}`,
  file: "consumers/queue-core.ts",
  role: transport === "lean" ? "queue-core" : "peer",
  env: { CONCURRENCY: String(concurrency), SQS_TRANSPORT: transport }
})
const sqsConsumer = (mode: "message" | "batch", instances: number): Contender => ({
  name: `sqs-consumer ${mode === "batch" ? "handleMessageBatch" : "handleMessage"} ×${instances}`,
  file: "consumers/sqs-consumer.ts",
  role: "peer",
  env: { MODE: mode, INSTANCES: String(instances) }
})
const squiss = (concurrency: number): Contender => ({
  name: "squiss-ts",
  file: "consumers/squiss-ts.ts",
  role: "peer",
  env: { CONCURRENCY: String(concurrency) }
})
const rawSdk = (loops: number): Contender => ({
  name: `raw SDK loops ×${loops}`,
  file: "consumers/raw-sdk.ts",
  role: "peer",
  env: { INSTANCES: String(loops) }
})
const clientLoops = (loops: number): Contender => ({
  name: `queue-core SqsClient loops ×${loops} (no engine)`,
  file: "consumers/queue-core-client.ts",
  role: "ceiling",
  env: { INSTANCES: String(loops) }
})
const httpProbe: Contender = {
  name: "plain HTTP ×16 (the server's ceiling)",
  file: "consumers/http-probe.ts",
  role: "ceiling",
  env: { INSTANCES: "16" }
}

const PRODUCERS: ReadonlyArray<Contender> = [
  {
    name: "queue-core sendAll",
    file: "producers/queue-core-bulk.ts",
    role: "queue-core",
    env: { CONCURRENCY: "100" }
  },
  {
    name: "queue-core sendAll, 400 in flight",
    file: "producers/queue-core-bulk.ts",
    role: "queue-core",
    env: { CONCURRENCY: "400" }
  },
  {
    name: "queue-core send, 100 callers",
    file: "producers/queue-core-send.ts",
    role: "queue-core",
    env: { CONCURRENCY: "100" }
  },
  {
    name: "queue-core sendAll (sdk transport)",
    file: "producers/queue-core-bulk.ts",
    role: "peer",
    env: { CONCURRENCY: "100", SQS_TRANSPORT: "sdk" }
  },
  { name: "sqs-producer", file: "producers/sqs-producer.ts", role: "peer", env: {} },
  { name: "squiss-ts sendMessages", file: "producers/squiss-ts.ts", role: "peer", env: {} },
  { name: "raw SDK, 8 callers", file: "producers/raw-sdk.ts", role: "peer", env: { INSTANCES: "8" } }
]

export interface Counts {
  readonly drain: number
  readonly steadyRate: number
  readonly steadySeconds: number
  /** The steady flow's first milliseconds, left out of "after warm-up" latencies. */
  readonly warmupMs: number
  readonly handler: number
  readonly handlerMs: number
  readonly memory: number
  readonly send: number
  /** Messages the engine's budget drains in process. */
  readonly engine: number
  /** Lines the sender app streams from a file. */
  readonly senderLines: number
  readonly capSeconds: number
  readonly repetitions: number
}

export const FULL: Counts = {
  drain: 20_000,
  steadyRate: 2_000,
  steadySeconds: 10,
  warmupMs: 2_000,
  handler: 10_000,
  handlerMs: 50,
  memory: 100_000,
  send: 20_000,
  engine: 200_000,
  senderLines: 1_000_000,
  capSeconds: 20,
  repetitions: 3
}

/** Tiny counts, one repetition: the harness's own test. */
export const QUICK: Counts = {
  drain: 200,
  steadyRate: 200,
  steadySeconds: 1,
  warmupMs: 200,
  handler: 200,
  handlerMs: 5,
  memory: 1_000,
  send: 200,
  engine: 5_000,
  senderLines: 2_000,
  capSeconds: 20,
  repetitions: 1
}

export const scenarios = (counts: Counts): ReadonlyArray<Scenario> => {
  const common = { capSeconds: counts.capSeconds, repetitions: counts.repetitions }
  const drainers = [
    queueCore(100),
    queueCore(100, "sdk"),
    sqsConsumer("message", 1),
    sqsConsumer("message", 8),
    sqsConsumer("batch", 1),
    sqsConsumer("batch", 8),
    squiss(100),
    rawSdk(1),
    rawSdk(8),
    rawSdk(16),
    clientLoops(8),
    httpProbe
  ]
  const handlerContenders = [
    queueCore(100),
    sqsConsumer("message", 10),
    sqsConsumer("batch", 10),
    squiss(100),
    rawSdk(10)
  ]
  const handlerEnv = { HANDLER_MS: String(counts.handlerMs) }
  return [
    {
      id: "drain",
      title: `drain ${counts.drain.toLocaleString("en")} queued messages, handler 0 ms`,
      kind: "drain",
      latencyMs: 0,
      count: counts.drain,
      env: {},
      contenders: drainers,
      ...common
    },
    {
      id: "drain-20ms",
      title: `drain ${counts.drain.toLocaleString("en")} queued messages, 20 ms added to every request`,
      kind: "drain",
      latencyMs: 20,
      count: counts.drain,
      env: {},
      // At a real region's round trip, in-flight room is what bounds everyone: each at its best
      // too. queue-core at 50, 100 and 200 against the bound their room sets (see results.ts).
      contenders: [
        queueCore(100),
        queueCore(50),
        queueCore(200),
        queueCore(500),
        sqsConsumer("batch", 8),
        sqsConsumer("batch", 32),
        squiss(100),
        rawSdk(16),
        rawSdk(32)
      ],
      ...common
    },
    {
      id: "steady",
      title: `steady ${counts.steadyRate.toLocaleString("en")} messages/s for ${counts.steadySeconds} s, handler 0 ms, 100 at once`,
      kind: "steady",
      latencyMs: 0,
      count: counts.steadyRate * counts.steadySeconds,
      rate: counts.steadyRate,
      warmupMs: counts.warmupMs,
      env: {},
      contenders: [
        queueCore(100),
        queueCore(100, "sdk"),
        sqsConsumer("batch", 10),
        sqsConsumer("message", 10),
        squiss(100),
        rawSdk(10)
      ],
      ...common,
      capSeconds: counts.steadySeconds + 30
    },
    {
      id: "handler-50ms",
      title: `${counts.handlerMs} ms handler, 100 at once, ${counts.handler.toLocaleString("en")} messages`,
      kind: "drain",
      latencyMs: 0,
      count: counts.handler,
      env: handlerEnv,
      contenders: handlerContenders,
      ...common
    },
    {
      id: "slow-messages",
      title: `the same, every 100th message taking 1 s`,
      kind: "drain",
      latencyMs: 0,
      count: counts.handler,
      env: { ...handlerEnv, SLOW_EVERY: "100", SLOW_MS: "1000" },
      contenders: handlerContenders,
      ...common
    },
    {
      id: "send",
      title: `send ${counts.send.toLocaleString("en")} messages of about 200 bytes`,
      kind: "send",
      latencyMs: 0,
      count: counts.send,
      env: {},
      contenders: PRODUCERS,
      ...common
    },
    {
      id: "send-20ms",
      title: `send ${counts.send.toLocaleString("en")} messages, 20 ms added to every request`,
      kind: "send",
      latencyMs: 20,
      count: counts.send,
      env: {},
      contenders: PRODUCERS,
      ...common
    },
    {
      id: "memory",
      title: `memory: drain a ${counts.memory.toLocaleString("en")}-message backlog`,
      kind: "drain",
      latencyMs: 0,
      count: counts.memory,
      env: {},
      contenders: [queueCore(100), sqsConsumer("batch", 8), squiss(100), rawSdk(8)],
      ...common,
      capSeconds: counts.capSeconds * 6,
      repetitions: 1
    },
    {
      id: "memory-app-flags",
      title: `memory: the same, every contender started with the apps' memory settings (${APP_SETTINGS_TEXT})`,
      kind: "drain",
      latencyMs: 0,
      count: counts.memory,
      env: APP_ENV,
      nodeFlags: APP_NODE_FLAGS,
      contenders: [queueCore(100), sqsConsumer("batch", 8), squiss(100), rawSdk(8)],
      ...common,
      capSeconds: counts.capSeconds * 6,
      repetitions: 1
    }
  ]
}

/** The consumer app as its users start it: its bundle (`./dev bench` builds it), all its layers. */
export const CONSUMER_APP: Contender = {
  name: "consumer app",
  file: "../../apps/consumer/dist/main.js",
  role: "queue-core",
  env: {}
}

/** Consumers idling on an empty queue, each at its default wait: receives a minute. */
export const IDLE_CONTENDERS: ReadonlyArray<Contender> = [
  queueCore(100),
  CONSUMER_APP,
  sqsConsumer("message", 1),
  squiss(100),
  rawSdk(1)
]
