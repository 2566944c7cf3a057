import shared from "@bgcheck/vitest-config"
import { mergeConfig } from "vitest/config"

// These tests mostly wait on app processes (which do the work on their own cores); two test files
// at a time halve the package's time without starving the processes on a 2-core machine.
export default mergeConfig(shared, {
  test: { maxWorkers: 2, globalSetup: ["../../packages/app-kit/test-support/buildApps.ts"] }
})
