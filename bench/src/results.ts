/**
 * The results of a run: per scenario and contender, the median and range of its repetitions; the
 * targets (issue 17's, then issue 9's) against the best peer of the same run; JSON and a Markdown
 * report.
 */
import type { EngineResult } from "./engineBudget.ts"
import type { IdleResult } from "./idle.ts"
import type { RunResult } from "./run.ts"
import { CONSUMER_APP, type Role, type Scenario } from "./scenarios.ts"
import type { SenderAppResult } from "./senderApp.ts"
import { type Spread, spread } from "./stats.ts"

export interface ContenderResult {
  readonly name: string
  readonly role: Role
  readonly runs: ReadonlyArray<RunResult>
  readonly rate: Spread
  readonly cpuMsPer1k: Spread
  readonly requestsPerMessage: Spread
  readonly peakRssMiB: Spread
  readonly p50?: Spread
  readonly p95?: Spread
  readonly p99?: Spread
  /** p99 over every message, warm-up included. */
  readonly p99All?: Spread
  readonly duplicates: number
  readonly capped: boolean
}

export interface ScenarioResult {
  readonly id: string
  readonly title: string
  readonly kind: Scenario["kind"]
  readonly latencyMs: number
  readonly count: number
  readonly contenders: ReadonlyArray<ContenderResult>
}

export interface Target {
  readonly scenario: string
  readonly target: string
  readonly measured: string
  readonly met: boolean
}

export interface Results {
  readonly date: string
  readonly machine: Record<string, unknown>
  readonly mode: "full" | "quick"
  readonly minutes: number
  readonly scenarios: ReadonlyArray<ScenarioResult>
  readonly engine: ReadonlyArray<EngineResult>
  readonly idle: ReadonlyArray<IdleResult>
  readonly senderApp: SenderAppResult | undefined
  readonly targets: ReadonlyArray<Target>
}

const of = (runs: ReadonlyArray<RunResult>, pick: (run: RunResult) => number | undefined) => {
  const values = runs.map(pick).filter((value): value is number => value !== undefined)
  return values.length === 0 ? undefined : spread(values)
}

export const summarise = (name: string, role: Role, runs: ReadonlyArray<RunResult>): ContenderResult => {
  const p50 = of(runs, (run) => run.latencyMs?.p50)
  const p95 = of(runs, (run) => run.latencyMs?.p95)
  const p99 = of(runs, (run) => run.latencyMs?.p99)
  const p99All = of(runs, (run) => run.latencyAllMs?.p99)
  return {
    name,
    role,
    runs,
    rate: spread(runs.map((run) => run.rate)),
    cpuMsPer1k: spread(runs.map((run) => run.cpuMsPer1k)),
    requestsPerMessage: spread(runs.map((run) => run.requestsPerMessage)),
    peakRssMiB: spread(runs.map((run) => run.peakRssMiB)),
    ...(p50 === undefined ? {} : { p50 }),
    ...(p95 === undefined ? {} : { p95 }),
    ...(p99 === undefined ? {} : { p99 }),
    ...(p99All === undefined ? {} : { p99All }),
    duplicates: Math.max(...runs.map((run) => run.duplicates)),
    capped: runs.some((run) => run.capped)
  }
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-"
const ratio = (value: number) => `${fmt(value, 2)}×`

// ---- targets

const find = (scenarios: ReadonlyArray<ScenarioResult>, id: string) => scenarios.find((s) => s.id === id)
const ours = (scenario: ScenarioResult) => scenario.contenders.filter((c) => c.role === "queue-core")
const peers = (scenario: ScenarioResult) => scenario.contenders.filter((c) => c.role === "peer")
const bestBy = (
  list: ReadonlyArray<ContenderResult>,
  value: (c: ContenderResult) => number,
  lowest = false
) => [...list].sort((a, b) => (lowest ? value(a) - value(b) : value(b) - value(a)))[0]

/** The room a queue-core contender runs with, from its name (see scenarios.ts). */
const maxInFlightOf = (c: ContenderResult) => Number(/maxInFlight (\d+)/.exec(c.name)?.[1] ?? 100)

export const targets = (
  scenarios: ReadonlyArray<ScenarioResult>,
  idle: ReadonlyArray<IdleResult>,
  engine: ReadonlyArray<EngineResult> = [],
  senderApp?: SenderAppResult
): ReadonlyArray<Target> => {
  const list: Array<Target> = []
  const against = (
    id: string,
    target: string,
    value: (c: ContenderResult) => number,
    check: (ratio: number) => boolean,
    lowest = false,
    name?: string
  ) => {
    const scenario = find(scenarios, id)
    // queue-core at its best settings (or the one named) against the best peer at theirs.
    const self =
      scenario &&
      (name === undefined
        ? bestBy(ours(scenario), value, lowest)
        : ours(scenario).find((c) => c.name === name))
    const peer = scenario && bestBy(peers(scenario), value, lowest)
    if (self === undefined || peer === undefined) return
    const r = value(self) / value(peer)
    list.push({
      scenario: scenario!.title,
      target,
      measured: `${ratio(r)} (${self.name} ${fmt(value(self))}, ${peer.name} ${fmt(value(peer))})`,
      met: check(r)
    })
  }
  const rate = (c: ContenderResult) => c.rate.median
  const cpu = (c: ContenderResult) => c.cpuMsPer1k.median
  against("drain", "msg/s ≥ 2.0× the best peer", rate, (r) => r >= 2)
  against("drain", "CPU per message ≤ 0.5× the best peer's", cpu, (r) => r <= 0.5, true)
  for (const name of ["queue-core sendAll", "queue-core send, 100 callers"]) {
    against("send", `${name}: msg/s ≥ 1.5× the best peer`, rate, (r) => r >= 1.5, false, name)
    against("send", `${name}: CPU per message ≤ 0.6× the best peer's`, cpu, (r) => r <= 0.6, true, name)
  }
  against("send-20ms", "msg/s ≥ 1.5× the best peer", rate, (r) => r >= 1.5)
  /** A target on queue-core's own figure in a scenario: `measure` gives the value and how it reads. */
  const absolute = (
    id: string,
    target: string,
    measure: (self: ContenderResult) => { readonly value: number; readonly shown: string } | undefined,
    met: (value: number) => boolean
  ) => {
    const scenario = find(scenarios, id)
    const self = scenario && ours(scenario)[0]
    const measured = self && measure(self)
    if (scenario === undefined || measured === undefined) return
    list.push({ scenario: scenario.title, target, measured: measured.shown, met: met(measured.value) })
  }
  // At L ms a request, n messages in flight cycle once per receive plus delete: n / 2L a second.
  const latencyBound = find(scenarios, "drain-20ms")
  for (const self of latencyBound === undefined ? [] : ours(latencyBound)) {
    const room = maxInFlightOf(self)
    if (room > 200) continue
    const bound = room / ((2 * latencyBound!.latencyMs) / 1000)
    list.push({
      scenario: latencyBound!.title,
      target: `${self.name}${room === 100 ? "" : ` (maxInFlight ${room})`}: msg/s ≥ 0.9 of the bound ${fmt(bound)} (${room} per receive-and-delete round trip), no duplicates`,
      measured: `${fmt(self.rate.median / bound, 2)} (${fmt(self.rate.median)} msg/s)${self.duplicates > 0 ? `; ${self.duplicates} duplicates` : ""}`,
      met: self.rate.median / bound >= 0.9 && self.duplicates === 0
    })
  }
  for (const variant of engine) {
    list.push({
      scenario: "engine budget (in process, no HTTP)",
      target: `${variant.name}: ≤ 15 µs of CPU per message`,
      measured: `${fmt(variant.cpuMicrosPerMessage.median, 1)} µs`,
      met: variant.cpuMicrosPerMessage.median <= 15
    })
  }
  const steadyRequests = (c: ContenderResult) => c.requestsPerMessage.median
  absolute(
    "steady",
    "requests per message ≤ 0.22",
    (c) => ({ value: steadyRequests(c), shown: fmt(steadyRequests(c), 3) }),
    (v) => v <= 0.22
  )
  against(
    "steady",
    "p99 after warm-up ≤ the best peer's",
    (c) => c.p99?.median ?? Number.POSITIVE_INFINITY,
    (r) => r <= 1,
    true
  )
  // 100 at once, 50 ms each.
  const ideal = 100 / 0.05
  absolute(
    "handler-50ms",
    "rate ÷ ideal ≥ 0.95",
    (c) => ({
      value: c.rate.median / ideal,
      shown: `${fmt(c.rate.median / ideal, 2)} (${fmt(c.rate.median)} of ${fmt(ideal)} msg/s)`
    }),
    (v) => v >= 0.95
  )
  against("handler-50ms", "CPU ≤ 0.5× the best peer's", cpu, (r) => r <= 0.5, true)
  const handler = find(scenarios, "handler-50ms")
  const handlerRate = handler && ours(handler)[0]?.rate.median
  absolute(
    "slow-messages",
    "rate ÷ the 50 ms rate ≥ 0.85",
    (c) =>
      handlerRate === undefined
        ? undefined
        : { value: c.rate.median / handlerRate, shown: fmt(c.rate.median / handlerRate, 2) },
    (v) => v >= 0.85
  )
  const idleSelf = idle.find((i) => i.name === "queue-core")
  if (idleSelf !== undefined) {
    list.push({
      scenario: "idle consumer, 20 s wait",
      target: "≤ 3.1 receives a minute",
      measured: fmt(idleSelf.receivesPerMinute, 1),
      met: idleSelf.receivesPerMinute <= 3.1
    })
    list.push({
      scenario: "idle worker (`Consumer.run`, built JavaScript), apps' memory settings",
      target: "RSS ≤ 80 MB",
      measured: `${fmt(idleSelf.rssAppFlagsMiB * 1.048576)} MB`,
      met: idleSelf.rssAppFlagsMiB * 1.048576 <= 80
    })
  }
  const idleApp = idle.find((i) => i.name === CONSUMER_APP.name)
  if (idleApp !== undefined)
    list.push({
      scenario: "idle consumer app (`apps/consumer`, its bundle), apps' memory settings",
      target: "RSS ≤ 80 MB",
      measured: `${fmt(idleApp.rssAppFlagsMiB * 1.048576)} MB`,
      met: idleApp.rssAppFlagsMiB * 1.048576 <= 80
    })
  if (senderApp !== undefined)
    list.push({
      scenario: `sender app streaming ${fmt(senderApp.lines)} lines from a file, apps' memory settings`,
      target: "peak RSS ≤ 120 MB, every line stored",
      measured: `${fmt(senderApp.peakRssMiB * 1.048576)} MB, ${fmt(senderApp.stored)} stored`,
      met: senderApp.peakRssMiB * 1.048576 <= 120 && senderApp.stored === senderApp.lines
    })
  const megabytes = (c: ContenderResult) => c.peakRssMiB.median * 1.048576
  for (const id of ["memory", "memory-app-flags"])
    absolute(
      id,
      "peak RSS ≤ 150 MB",
      (c) => ({ value: megabytes(c), shown: `${fmt(megabytes(c))} MB` }),
      (v) => v <= 150
    )
  return list
}

// ---- Markdown

const withRange = (s: Spread, digits = 0) =>
  s.min === s.max
    ? fmt(s.median, digits)
    : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`

const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)
  ].join("\n")

const scenarioTable = (scenario: ScenarioResult) => {
  const steady = scenario.kind === "steady"
  const head = [
    scenario.kind === "send" ? "producer" : "consumer",
    ...(steady ? ["p50 ms", "p95 ms", "p99 ms", "p99 with warm-up"] : ["msg/s"]),
    "requests/msg",
    "CPU ms/1k msg",
    "peak RSS MiB",
    ...(scenario.kind === "send" ? [] : ["duplicates"])
  ]
  const rows = scenario.contenders.map((c) => [
    `${c.role === "queue-core" ? `**${c.name}**` : c.name}${c.capped ? " (stopped at the cap)" : ""}`,
    ...(steady
      ? [c.p50, c.p95, c.p99, c.p99All].map((s) => (s === undefined ? "-" : withRange(s)))
      : [withRange(c.rate)]),
    withRange(c.requestsPerMessage, 3),
    withRange(c.cpuMsPer1k),
    fmt(c.peakRssMiB.max),
    ...(scenario.kind === "send" ? [] : [String(c.duplicates)])
  ])
  return table(head, rows)
}

export const markdown = (results: Results) =>
  [
    `# Benchmark results, ${results.date}`,
    "",
    `Machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}` +
      `${results.machine.pinned ? "; the local SQS on core 0, each contender alone on core 1" : ""}. ` +
      `${results.mode === "quick" ? "Quick mode (tiny counts, one run): no verdict. " : ""}` +
      `Each figure is the median of ${Math.max(...results.scenarios.flatMap((s) => s.contenders.map((c) => c.runs.length)), 1)} interleaved runs, with the range in brackets; ` +
      `the whole run took ${fmt(results.minutes, 1)} minutes. Rates count settled messages: deleted (or, sending, stored).`,
    "",
    ...(results.mode === "full" && results.targets.length > 0
      ? [
          "## Targets",
          "",
          table(
            ["scenario", "target", "measured", "met"],
            results.targets.map((t) => [t.scenario, t.target, t.measured, t.met ? "yes" : "**no**"])
          ),
          ""
        ]
      : []),
    ...results.scenarios.flatMap((scenario) => [`## ${scenario.title}`, "", scenarioTable(scenario), ""]),
    ...(results.engine.length === 0
      ? []
      : [
          "## Engine budget: `Consumer.run` against an in-process `SqsClient` that answers at once",
          "",
          table(
            ["variant", "messages", "CPU µs/msg"],
            results.engine.map((e) => [e.name, fmt(e.messages), withRange(e.cpuMicrosPerMessage, 1)])
          ),
          ""
        ]),
    "## Idle: receives a minute on an empty queue, and resident memory",
    "",
    table(
      ["consumer", "receives/min", "RSS MiB", "RSS MiB, apps' memory settings"],
      results.idle.map((i) => [i.name, fmt(i.receivesPerMinute, 1), fmt(i.rssMiB), fmt(i.rssAppFlagsMiB)])
    ),
    "",
    ...(results.senderApp === undefined
      ? []
      : [
          "## Sender app: `sender --file`, one message a line, with the apps' memory settings",
          "",
          table(
            ["lines", "stored", "seconds", "msg/s", "peak RSS MiB"],
            [
              [
                fmt(results.senderApp.lines),
                fmt(results.senderApp.stored),
                fmt(results.senderApp.seconds, 1),
                fmt(results.senderApp.lines / results.senderApp.seconds),
                fmt(results.senderApp.peakRssMiB)
              ]
            ]
          ),
          ""
        ])
  ].join("\n")
