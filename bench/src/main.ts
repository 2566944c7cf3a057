/**
 * `./dev bench`: SQS consumers and producers side by side, each alone in its own process (pinned to
 * core 1) against the local SQS in another (core 0), which counts their requests by action and
 * times each run from its side. Every scenario runs its contenders interleaved, repetition after
 * repetition; a run during which something else kept the machine busy is repeated. Results go to
 * bench/results (JSON, Markdown, chart); see config.ts for the settings.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { chart } from "./chart.ts"
import { config } from "./config.ts"
import { runEngineBudget } from "./engineBudget.ts"
import { runIdle } from "./idle.ts"
import { describeMachine, pinSelf } from "./machine.ts"
import { markdown, type Results, type ScenarioResult, summarise, targets } from "./results.ts"
import { type RunResult, runOnce } from "./run.ts"
import { type Contender, IDLE_CONTENDERS, type Scenario, scenarios } from "./scenarios.ts"
import { runSenderApp } from "./senderApp.ts"
import { startLocalSqs } from "./server/control.ts"

const startedAt = Date.now()
pinSelf(0)
const wanted = (id: string) => config.only === undefined || config.only.includes(id)
const included = (contender: Contender) =>
  config.contenders === undefined || config.contenders.includes(contender.name)

/**
 * The contenders a scenario runs. The quick mode runs every contender in the drain and the send,
 * and queue-core and its first peer in the others: every program and every scenario still runs.
 */
const contendersOf = (scenario: Scenario): ReadonlyArray<Contender> => {
  const wanted = scenario.contenders.filter(included)
  if (!config.quick || scenario.id === "drain" || scenario.id === "send") return wanted
  const firstPeer = wanted.find((c) => c.role === "peer")
  return wanted.filter((c) => c.role === "queue-core" || c === firstPeer)
}

const log = (line: string) => console.log(line)

/** One run, repeated while the machine was busy with something else (full mode only). */
const measured = async (
  server: Awaited<ReturnType<typeof startLocalSqs>>,
  scenario: Scenario,
  contender: Scenario["contenders"][number]
): Promise<RunResult> => {
  for (let attempt = 0; ; attempt++) {
    const result = await runOnce(server, scenario, contender)
    const busy = !config.quick && result.otherCores > config.busyCores
    if (!busy || attempt >= config.busyRetries) return result
    log(`    busy machine (${result.otherCores.toFixed(2)} other cores): running ${contender.name} again`)
  }
}

const runScenario = async (scenario: Scenario): Promise<ScenarioResult> => {
  log(`\n${scenario.title}`)
  const server = await startLocalSqs(scenario.latencyMs)
  const runs = new Map<string, Array<RunResult>>()
  try {
    for (let repetition = 1; repetition <= scenario.repetitions; repetition++) {
      for (const contender of contendersOf(scenario)) {
        const result = await measured(server, scenario, contender)
        runs.set(contender.name, [...(runs.get(contender.name) ?? []), result])
        log(
          `  ${repetition}/${scenario.repetitions} ${contender.name}: ${Math.round(result.rate)} msg/s, ` +
            `${result.requestsPerMessage.toFixed(3)} requests/msg, ${Math.round(result.cpuMsPer1k)} CPU ms/1k` +
            `${result.latencyMs === undefined ? "" : `, p99 ${result.latencyMs.p99} ms`}` +
            `${result.duplicates > 0 ? `, ${result.duplicates} duplicates` : ""}${result.capped ? " (capped)" : ""}`
        )
      }
    }
  } finally {
    await server.stop()
  }
  return {
    id: scenario.id,
    title: scenario.title,
    kind: scenario.kind,
    latencyMs: scenario.latencyMs,
    count: scenario.count,
    contenders: contendersOf(scenario).map((c) => summarise(c.name, c.role, runs.get(c.name) ?? []))
  }
}

const scenarioResults: Array<ScenarioResult> = []
for (const scenario of scenarios(config.counts).filter((s) => wanted(s.id))) {
  scenarioResults.push(await runScenario(scenario))
}
let engine: Results["engine"] = []
if (wanted("engine")) {
  log("\nengine budget: Consumer.run against an in-process SqsClient that answers at once")
  engine = await runEngineBudget(log)
}
let idle: Results["idle"] = []
if (wanted("idle")) {
  log(`\nidle: an empty queue for ${config.idleSeconds} s, all consumers at once, each on its own local SQS`)
  idle = await runIdle(IDLE_CONTENDERS.filter(included), config.idleSeconds)
  for (const result of idle) log(`  ${result.name}: ${result.receivesPerMinute.toFixed(1)} receives/min`)
}
let senderApp: Results["senderApp"]
if (wanted("sender-app")) {
  log(`\nsender app: ${config.counts.senderLines.toLocaleString("en")} lines from a file`)
  senderApp = await runSenderApp(config.counts.senderLines)
  log(
    `  ${senderApp.stored} stored in ${senderApp.seconds.toFixed(1)} s, peak RSS ${senderApp.peakRssMiB.toFixed(0)} MiB`
  )
}

const results: Results = {
  date: new Date().toISOString().slice(0, 10),
  machine: describeMachine(),
  mode: config.quick ? "quick" : "full",
  minutes: (Date.now() - startedAt) / 60_000,
  scenarios: scenarioResults,
  engine,
  idle,
  senderApp,
  targets: config.quick ? [] : targets(scenarioResults, idle, engine, senderApp)
}
mkdirSync(config.resultsDir, { recursive: true })
writeFileSync(join(config.resultsDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(join(config.resultsDir, "results.md"), markdown(results))
if (scenarioResults.length > 0) writeFileSync(join(config.resultsDir, "chart.svg"), chart(results))
log(`\n${markdown(results)}`)
log(`results in ${config.resultsDir}`)

// A contender that left messages behind (without being stopped at the cap) failed.
const incomplete = scenarioResults.flatMap((s) =>
  s.contenders
    .filter((c) => c.runs.some((run) => !run.capped && run.settled < s.count))
    .map((c) => `${s.id}: ${c.name}`)
)
if (incomplete.length > 0) {
  console.error(`incomplete: ${incomplete.join(", ")}`)
  process.exitCode = 1
}
