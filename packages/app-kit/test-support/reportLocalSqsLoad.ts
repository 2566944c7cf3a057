/**
 * Preloaded into an app's process by tests (`--import`): when the process exits, it prints
 * `local-sqs loaded` on stderr if the embedded local SQS (fauxqs) was loaded, so that a test can
 * check that only a process that starts one loads it.
 */
import { registerHooks } from "node:module"

let loaded = false
registerHooks({
  resolve: (specifier, context, nextResolve) => {
    const resolved = nextResolve(specifier, context)
    if (resolved.url.includes("/fauxqs/")) loaded = true
    return resolved
  }
})
process.on("exit", () => {
  if (loaded) process.stderr.write("local-sqs loaded\n")
})
