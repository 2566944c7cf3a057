/**
 * The memory settings the apps start with, as `scripts/start-app.sh` reads them: Node flags
 * (`scripts/app-node-flags`) and environment variables (`scripts/app-env`, `NAME=value` lines).
 * The apps' tests (`spawnApp`) and the benchmark start the apps with the same.
 */
import { readFileSync } from "node:fs"

const script = (name: string) =>
  readFileSync(new URL(`../../../scripts/${name}`, import.meta.url), "utf8").trim()

export const APP_NODE_FLAGS: ReadonlyArray<string> = script("app-node-flags").split(/\s+/)

export const APP_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  script("app-env")
    .split("\n")
    .map((line) => line.split("=", 2))
)

/** Both, as a command line would show them. */
export const APP_SETTINGS_TEXT = [
  ...Object.entries(APP_ENV).map(([name, value]) => `${name}=${value}`),
  ...APP_NODE_FLAGS
].join(" ")
