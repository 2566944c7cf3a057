/**
 * The engine's budget: `engine/consumer.ts` (`Consumer.run` against an in-process `SqsClient`
 * that answers at once) in its own process on core 1, without and with a tracer installed; CPU
 * µs per message, the median of the repetitions.
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { config } from "./config.ts"
import { onCore } from "./machine.ts"
import { type Spread, spread } from "./stats.ts"

export interface EngineResult {
  readonly name: string
  readonly messages: number
  readonly cpuMicrosPerMessage: Spread
}

const program = new URL("engine/consumer.ts", import.meta.url).pathname

const runOnce = async (env: Readonly<Record<string, string>>): Promise<number> => {
  const [command, ...args] = onCore(1, [process.execPath, program])
  const { stdout } = await promisify(execFile)(command!, args, {
    cwd: new URL("..", import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? "", MESSAGES: String(config.counts.engine), ...env }
  })
  const line = stdout.split("\n").find((each) => each.startsWith("{"))
  if (line === undefined) throw new Error(`the engine benchmark printed no report:\n${stdout}`)
  return (JSON.parse(line) as { readonly cpuMicrosPerMessage: number }).cpuMicrosPerMessage
}

const VARIANTS = [
  { name: "Consumer.run, trivial handler, no tracer", env: { TRACER: "0" } },
  { name: "Consumer.run, trivial handler, a tracer installed", env: { TRACER: "1" } }
] as const

export const runEngineBudget = async (log: (line: string) => void): Promise<ReadonlyArray<EngineResult>> => {
  const runs = new Map<string, Array<number>>()
  for (let repetition = 1; repetition <= config.counts.repetitions; repetition++) {
    for (const variant of VARIANTS) {
      const micros = await runOnce(variant.env)
      runs.set(variant.name, [...(runs.get(variant.name) ?? []), micros])
      log(`  ${repetition}/${config.counts.repetitions} ${variant.name}: ${micros.toFixed(1)} µs/msg`)
    }
  }
  return VARIANTS.map((variant) => ({
    name: variant.name,
    messages: config.counts.engine,
    cpuMicrosPerMessage: spread(runs.get(variant.name) ?? [])
  }))
}
