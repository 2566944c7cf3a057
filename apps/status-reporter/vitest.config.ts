import shared from "@bgcheck/vitest-config"
import { mergeConfig } from "vitest/config"

export default mergeConfig(shared, {
  test: { globalSetup: ["../../packages/app-kit/test-support/buildApps.ts"] }
})
