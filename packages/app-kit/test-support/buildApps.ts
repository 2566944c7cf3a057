/**
 * Vitest global setup for the apps' tests, which run the apps' built JavaScript: when a source
 * file of an app or of a package they use is newer than an app's build, builds them all
 * (`scripts/build-quiet.sh`, through turbo). `./dev test` builds them before the tests, so there
 * this finds nothing to do.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const APPS = ["consumer", "sender", "status-reporter", "queues"]
const SOURCES = [
  ...APPS.map((app) => `apps/${app}/src`),
  "packages/app-kit/src",
  "packages/queue-core/src",
  "packages/local-sqs/src"
]

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name)
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }, 0)

export default function setup() {
  const sources = Math.max(...SOURCES.map((dir) => newest(join(root, dir))))
  const stale = APPS.some((app) => {
    const built = join(root, `apps/${app}/dist/main.js`)
    return !existsSync(built) || statSync(built).mtimeMs < sources
  })
  if (stale)
    execFileSync("bash", [join(root, "scripts/build-quiet.sh"), "--filter=./apps/*"], { stdio: "inherit" })
}
