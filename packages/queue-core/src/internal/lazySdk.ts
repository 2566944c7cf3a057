/**
 * An AWS SDK client made on first use: its package and the bounded request handler are loaded
 * by dynamic import then, so a program that never needs the client never pays for them. The
 * client is destroyed when the scope closes.
 */
import { Effect, Scope } from "effect"
import type { BoundedHttpHandler } from "./boundedHandler.ts"

/** What a loaded SDK gives: its module (for the command classes) and the client made from it. */
export interface Loaded<Module, Client> {
  readonly module: Module
  readonly client: Client
}

/**
 * An effect that loads `importModule` and makes the client with `make` the first time it runs,
 * and gives the same client after; the client lives until the current scope closes.
 */
export const lazyClient = <Module, Client extends { destroy(): void }>(
  importModule: () => Promise<Module>,
  make: (module: Module, Handler: typeof BoundedHttpHandler) => Client
): Effect.Effect<Effect.Effect<Loaded<Module, Client>>, never, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) =>
    Effect.cached(
      Effect.promise(() => Promise.all([importModule(), import("./boundedHandler.ts")])).pipe(
        Effect.flatMap(([module, { BoundedHttpHandler }]) =>
          Effect.acquireRelease(
            Effect.sync(() => ({ module, client: make(module, BoundedHttpHandler) })),
            ({ client }) => Effect.sync(() => client.destroy())
          )
        ),
        Scope.provide(scope)
      )
    )
  )
