/**
 * Checks a data directory before fauxqs opens its SQLite file there (creating the directory when
 * it is missing), so that a bad `dataDir` fails at once with one clear reason.
 *
 * fauxqs creates the directory with `mkdirSync(dir, { recursive: true })`, and Node's recursive
 * mkdir never returns for a path such as /proc/nope: procfs answers ENOENT for the child, Node
 * takes that as a missing parent, "creates" /proc (EEXIST) and tries the child again, forever, at
 * 100 % CPU. Here every directory is made with a plain mkdir, which fails at once; once the
 * directory exists, fauxqs's recursive mkdir returns at its first step.
 */
import { lstatSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

/** A data directory that cannot be used, with the reason in one line. */
export class DataDirError extends Error {
  readonly path: string
  readonly reason: string
  constructor(path: string, reason: string) {
    super(`data directory ${path}: ${reason}`)
    this.name = "DataDirError"
    this.path = path
    this.reason = reason
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Makes the missing directories of `dir`, outermost first, with plain (non-recursive) mkdir calls. */
const createDirectory = (dir: string): void => {
  const missing: Array<string> = []
  // lstat: a symbolic link counts as present, so one to nothing stops the walk instead of looping.
  for (let path = resolve(dir); lstatSync(path, { throwIfNoEntry: false }) === undefined; ) {
    missing.unshift(path)
    const parent = dirname(path)
    if (parent === path) break
    path = parent
  }
  if (missing.length === 0) throw new Error("it is a symbolic link to a path that does not exist")
  for (const path of missing) mkdirSync(path)
}

/** Throws a `DataDirError` unless `dir` is (or could be made) a directory this process can write in. */
export const prepareDataDir = (dir: string): void => {
  let existing: ReturnType<typeof statSync>
  try {
    existing = statSync(dir, { throwIfNoEntry: false })
  } catch (error) {
    throw new DataDirError(dir, `cannot use the path (${messageOf(error)})`)
  }
  if (existing === undefined) {
    try {
      createDirectory(dir)
    } catch (error) {
      throw new DataDirError(dir, `cannot create the directory (${messageOf(error)})`)
    }
  } else if (!existing.isDirectory()) {
    throw new DataDirError(dir, "not a directory")
  }
  // A real write, since permission bits do not tell (root, read-only mounts, /proc).
  const probe = join(dir, `.local-sqs-write-check-${process.pid}`)
  try {
    writeFileSync(probe, "")
    rmSync(probe)
  } catch (error) {
    throw new DataDirError(dir, `cannot write in the directory (${messageOf(error)})`)
  }
}
