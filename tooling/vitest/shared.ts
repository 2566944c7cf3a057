import { defineConfig } from "vitest/config"

/**
 * Shared test settings. Workspace packages resolve to their TypeScript sources through the
 * `@bgcheck/source` export condition, so tests need no build. Vite's default conditions (which
 * include "module") are deliberately not spread in: they broke @aws-sdk here.
 */
const conditions = ["@bgcheck/source", "node", "import", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@bgcheck/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The JSON results feed the one-line total that `pnpm test` prints at the end.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" }
  }
})
