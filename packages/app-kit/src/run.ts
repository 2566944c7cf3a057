/**
 * Runs an app's command as the process: flags parsed, errors printed as one line on stderr
 * (no stack trace), exit code 2 for bad input and 1 for other failures, and SIGINT/SIGTERM
 * turned into interruption, after which a clean shutdown exits 0 (or 128 + the signal's number,
 * for a command that a signal leaves unfinished).
 *
 * The process runner is `NodeRuntime.runMain`'s, with two additions. NodeRuntime interrupts the
 * main fiber on every signal, so a second Ctrl-C during a slow clean stop does nothing at all;
 * here the program is told which signals came (`Shutdown`): the first, and a second one while it
 * is stopping, so that it can stop at once. And the exit code can say which signal stopped it.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Console, Deferred, Effect, Exit, Layer, Runtime, Stdio } from "effect"
import { type CliError, CliOutput, Command } from "effect/cli"
import { describe, exitCodeOf, type Hints } from "./errors.ts"
import * as Shutdown from "./shutdown.ts"

/** One parse error on one line: the parser's suggestions, on lines of their own, folded in. */
const describeParseError = (error: CliError.CliError): string =>
  error._tag === "UnrecognizedOption"
    ? `Unrecognized flag: ${error.option}${
        error.suggestions.length > 0 ? ` (did you mean ${error.suggestions.join(" or ")}?)` : ""
      }`
    : error.message.replace(/\s*\n\s*/g, " ")

/** Bad flags: one line naming the problem, and where to look for help. */
const oneLinePresenter = (name: string) =>
  CliOutput.layerPresenter({
    present: (event) =>
      event._tag === "InvalidInvocation"
        ? Console.error(`${name}: ${event.errors.map(describeParseError).join("; ")} (see ${name} --help)`)
        : CliOutput.defaultPresenter.present(event)
  })

const reportFailure = (name: string, hints: Hints) => (cause: Cause.Cause<unknown>) => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.void
  const error = Cause.squash(cause)
  // Parse errors were already printed by the presenter.
  if ((error as { _tag?: string })?._tag === "ShowHelp") return Effect.void
  return Console.error(`${name}: ${describe(error, hints)}`)
}

/**
 * The arguments without a leading `--`: `pnpm --filter consumer start -- --wait 7s` passes the
 * `--` on, and the apps take no positional arguments it could be separating.
 */
export const withoutLeadingSeparator = (args: ReadonlyArray<string>): ReadonlyArray<string> =>
  args[0] === "--" ? args.slice(1) : args

/** The parser's own flags that take no value. */
const BOOLEAN_FLAGS = new Set(["--help", "--version", "--wizard"])

/**
 * The arguments with a value that starts like a negative number joined to its flag:
 * `--wait -1s` becomes `--wait=-1s`, so that it is refused as a value out of range rather than
 * read as the short flags `-1` and `-s`. No flag is named `-<digit>`, so nothing else changes.
 */
export const withNegativeValuesJoined = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const joined: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const next = args[i + 1]
    if (arg === "--") {
      joined.push(...args.slice(i))
      break
    }
    if (next !== undefined && /^--[^=]+$/.test(arg) && !BOOLEAN_FLAGS.has(arg) && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`)
      i++
    } else {
      joined.push(arg)
    }
  }
  return joined
}

/**
 * Runs `command` with the process's arguments; never returns. `hints` replace the common hints
 * of failures (written for the apps that take --queue) with the app's own.
 *
 * The first SIGINT or SIGTERM completes `Shutdown.requested` and interrupts the program; a second
 * one completes `Shutdown.forced`. With `signalExitCode`, a program a signal stopped exits 130
 * (SIGINT) or 143 (SIGTERM), as shells expect of a command that did not finish (a sender stopped
 * half-way); without it, 0, what a service stopped on purpose reports (a consumer).
 */
export const runMain = <
  Name extends string,
  Input,
  E,
  R extends NodeServices.NodeServices | Shutdown.Shutdown
>(
  command: Command.Command<Name, Input, {}, E, R>,
  options: { readonly version?: string; readonly hints?: Hints; readonly signalExitCode?: boolean } = {}
): void => {
  const requested = Deferred.makeUnsafe<Shutdown.Signal>()
  const forced = Deferred.makeUnsafe<Shutdown.Signal>()
  let stoppedBy: Shutdown.Signal | undefined
  const run = Command.runWith(command, { version: options.version ?? "0.1.0", renderErrors: true })
  const program = Stdio.Stdio.use(({ args }) =>
    Effect.flatMap(args, (args) => run(withNegativeValuesJoined(withoutLeadingSeparator(args))))
  ).pipe(
    Effect.tapCause(reportFailure(command.name, options.hints ?? {})),
    Effect.provide(
      Layer.mergeAll(
        NodeServices.layer,
        oneLinePresenter(command.name),
        Layer.succeed(Shutdown.Shutdown, {
          requested: Deferred.await(requested),
          forced: Deferred.await(forced)
        })
      )
    )
  ) as Effect.Effect<void, unknown>
  // NodeRuntime.runMain's runner (an interval keeps the process alive; it exits with teardown's
  // code, or on its own after a success without a signal), with the signals told apart.
  const runWithSignals = Runtime.makeRunMain(({ fiber, teardown }) => {
    const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
      const listener = () => {
        if (stoppedBy === undefined) {
          stoppedBy = signal
          Deferred.doneUnsafe(requested, Exit.succeed(signal))
          fiber.interruptUnsafe(fiber.id)
        } else {
          Deferred.doneUnsafe(forced, Exit.succeed(signal))
        }
      }
      process.on(signal, listener)
      return [signal, listener] as const
    })
    fiber.addObserver((exit) => {
      for (const [signal, listener] of listeners) process.removeListener(signal, listener)
      teardown(exit, (code) => {
        if (stoppedBy !== undefined || code !== 0) process.exit(code)
      })
    })
  })
  runWithSignals(program, {
    disableErrorReporting: true,
    teardown: (exit, onExit) => {
      if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) {
        return onExit(
          options.signalExitCode === true && stoppedBy !== undefined ? Shutdown.exitCodeOf(stoppedBy) : 0
        )
      }
      onExit(exitCodeOf(Cause.squash(exit.cause)))
    }
  })
}
