/**
 * Every changeset must keep the front matter changesets reads (a formatter once turned it into
 * markdown headings, which broke `changeset version`): `---`, one `"package": bump` per line, `---`.
 */
import { readdirSync, readFileSync } from "node:fs"

const FRONT_MATTER = /^---\n("@bgcheck\/[a-z-]+": (major|minor|patch)\n)+---\n\n\S/
const dir = new URL("../.changeset/", import.meta.url)
const broken = readdirSync(dir)
  .filter((file) => file.endsWith(".md") && file !== "README.md")
  .filter((file) => !FRONT_MATTER.test(readFileSync(new URL(file, dir), "utf8")))
if (broken.length > 0) {
  console.error(`changesets without valid front matter: ${broken.join(", ")}`)
  process.exit(1)
}
