import shared from "@bgcheck/vitest-config"
import { mergeConfig } from "vitest/config"

// The bad-input table runs its rows (each a process) four at a time on this 2-core machine.
export default mergeConfig(shared, {
  test: { maxConcurrency: 4, globalSetup: ["../../packages/app-kit/test-support/buildApps.ts"] }
})
