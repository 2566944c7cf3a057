/**
 * What every producer contender reports once it has sent all the messages: one JSON line.
 */
export const settings = {
  endpoint: process.env.ENDPOINT ?? "",
  queueUrl: process.env.QUEUE_URL ?? "",
  messages: Number(process.env.MESSAGES ?? "0")
}

export const credentials = { accessKeyId: "local", secretAccessKey: "local" }

/** The i-th message body, about 200 bytes of JSON. */
export const body = (i: number) => JSON.stringify({ job: i, payload: "x".repeat(180) })

export const report = (sent: number, startedAt: number) => {
  const cpu = process.cpuUsage()
  process.stdout.write(
    `${JSON.stringify({
      handled: sent,
      seconds: (performance.now() - startedAt) / 1000,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMiB: process.resourceUsage().maxRSS / 1024
    })}\n`
  )
}
