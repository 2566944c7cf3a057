/**
 * What the harness reads from Linux about the machine and its processes: CPU time, peak memory,
 * the machine's busy time (to tell when something else was running), and core pinning.
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { availableParallelism, cpus } from "node:os"

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** CPU time (user + system) of a process so far, in ms; 0 once it has gone. */
export const cpuMsOf = (pid: number): number => {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch {
    return 0
  }
}

/** Peak resident memory of a process so far, in MiB (VmHWM). */
const statusMiB = (pid: number, field: "VmHWM" | "VmRSS"): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

export const peakRssMiBOf = (pid: number): number => statusMiB(pid, "VmHWM")

/** Resident memory now. */
export const rssMiBOf = (pid: number): number => statusMiB(pid, "VmRSS")

/** CPU time the whole machine has spent busy (all cores, everything but idle and iowait), in ms. */
export const machineBusyMs = (): number => {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number)
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * TICK_MS
}

const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

/** Processes are pinned (server and harness on core 0, the contender on core 1) on 2 cores or more. */
export const pinning = hasTaskset && availableParallelism() >= 2

/** The command that runs `argv` on one core, when pinning. */
export const onCore = (core: number, argv: ReadonlyArray<string>): ReadonlyArray<string> =>
  pinning ? ["taskset", "-c", String(core), ...argv] : argv

/** Pins this process (the harness) to a core. */
export const pinSelf = (core: number) => {
  if (pinning) execFileSync("taskset", ["-pc", String(core), String(process.pid)], { stdio: "ignore" })
}

/** A short description of the machine for the results: CPU model, cores, memory, Node. */
export const describeMachine = () => {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8")
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU"
  const memKiB = Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0)
  return {
    cpu: model,
    // Not availableParallelism(): once the harness is pinned, it sees one core.
    cores: cpus().length,
    memoryGiB: Math.round(memKiB / 1024 / 1024),
    node: process.version,
    pinned: pinning
  }
}
