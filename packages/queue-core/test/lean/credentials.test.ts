import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import * as Credentials from "../../src/internal/credentials.ts"
import * as Lean from "../../src/internal/lean/transport.ts"
import { settingsAt } from "./fixtures.ts"

const MINUTE = 60_000

/**
 * A provider like the SDK's chain handing out temporary credentials: each call issues new ones
 * (`key-1`, `key-2`, ...) valid for `lifetime` from the Clock's current time, and records the
 * options it was called with. `fail` makes the next calls reject.
 */
const temporary = (lifetime: number) =>
  Effect.map(Clock.Clock, (clock) => {
    const calls: Array<{ readonly at: number; readonly forceRefresh: boolean }> = []
    let failing = false
    const source: Credentials.CredentialSource = (options) => {
      const at = clock.currentTimeMillisUnsafe()
      calls.push({ at, forceRefresh: options?.forceRefresh === true })
      return failing
        ? Promise.reject(
            Object.assign(new Error("no route to the metadata service"), { name: "CredentialsProviderError" })
          )
        : Promise.resolve({
            accessKeyId: `key-${calls.length}`,
            secretAccessKey: "secret",
            sessionToken: `token-${calls.length}`,
            expiration: new Date(at + lifetime)
          })
    }
    return { source, calls, fail: (value: boolean) => (failing = value) }
  })

describe("Lean transport credentials", () => {
  it.effect("fetches credentials once and reuses them while they are fresh", () =>
    Effect.gen(function* () {
      const provider = yield* temporary(60 * MINUTE)
      const get = yield* Credentials.cached(provider.source)
      const first = yield* get
      yield* TestClock.adjust("30 minutes")
      const second = yield* get
      assert.strictEqual(first.accessKeyId, "key-1")
      assert.strictEqual(second, first)
      assert.deepStrictEqual(provider.calls, [{ at: 0, forceRefresh: false }])
    })
  )

  it.effect("renews temporary credentials 5 minutes before they expire, asking the chain for new ones", () =>
    Effect.gen(function* () {
      const provider = yield* temporary(15 * MINUTE)
      const get = yield* Credentials.cached(provider.source)
      assert.strictEqual((yield* get).accessKeyId, "key-1")
      yield* TestClock.adjust(10 * MINUTE - 1)
      assert.strictEqual((yield* get).accessKeyId, "key-1")
      yield* TestClock.adjust(1)
      const renewed = yield* get
      assert.strictEqual(renewed.accessKeyId, "key-2")
      assert.strictEqual(renewed.sessionToken, "token-2")
      // Renewed at 10 minutes, 5 before the first ones expired; the SDK's memoized chain is
      // asked to refresh rather than hand back its copy.
      assert.deepStrictEqual(provider.calls, [
        { at: 0, forceRefresh: false },
        { at: 10 * MINUTE, forceRefresh: true }
      ])
      assert.isBelow(provider.calls[1]!.at, 15 * MINUTE)
    })
  )

  it.effect("renews short-lived credentials halfway through, not on every request", () =>
    Effect.gen(function* () {
      const provider = yield* temporary(4 * MINUTE)
      const get = yield* Credentials.cached(provider.source)
      yield* get
      yield* TestClock.adjust(2 * MINUTE - 1)
      yield* get
      assert.strictEqual(provider.calls.length, 1)
      yield* TestClock.adjust(1)
      assert.strictEqual((yield* get).accessKeyId, "key-2")
    })
  )

  it.effect("concurrent requests share one renewal", () =>
    Effect.gen(function* () {
      const provider = yield* temporary(15 * MINUTE)
      const get = yield* Credentials.cached(provider.source)
      yield* get
      yield* TestClock.adjust("11 minutes")
      const all = yield* Effect.all(
        Array.from({ length: 20 }, () => get),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual([...new Set(all.map((credentials) => credentials.accessKeyId))], ["key-2"])
      assert.strictEqual(provider.calls.length, 2)
    })
  )

  it.effect(
    "keeps the old credentials while they hold when a renewal fails, and tries again 30 s later",
    () =>
      Effect.gen(function* () {
        const provider = yield* temporary(15 * MINUTE)
        const get = yield* Credentials.cached(provider.source)
        yield* get
        yield* TestClock.adjust("10 minutes")
        provider.fail(true)
        assert.strictEqual((yield* get).accessKeyId, "key-1")
        yield* TestClock.adjust("29 seconds")
        assert.strictEqual((yield* get).accessKeyId, "key-1")
        assert.strictEqual(provider.calls.length, 2)
        provider.fail(false)
        yield* TestClock.adjust("1 second")
        assert.strictEqual((yield* get).accessKeyId, "key-3")
      })
  )

  it.effect("fails with the provider's error once the old credentials have expired", () =>
    Effect.gen(function* () {
      const provider = yield* temporary(15 * MINUTE)
      const get = yield* Credentials.cached(provider.source)
      yield* get
      provider.fail(true)
      yield* TestClock.adjust("15 minutes")
      const error = yield* Effect.flip(get)
      assert.strictEqual((error as Error).name, "CredentialsProviderError")
    })
  )

  it.effect("a call without credentials fails with the AccessDenied reason, before any request", () =>
    Effect.gen(function* () {
      const provider = yield* temporary(15 * MINUTE)
      provider.fail(true)
      // Port 9: a request that went out would fail as EndpointUnreachable instead.
      const lean = yield* Lean.makeLeanActions(settingsAt("http://127.0.0.1:9"), {
        credentials: provider.source
      })
      const error = yield* Effect.flip(
        lean.sendMessage({ QueueUrl: "http://127.0.0.1:9/000000000000/q", MessageBody: "x" })
      )
      assert.strictEqual(error.reason._tag, "AccessDenied")
      assert.strictEqual((error.reason as { code: string }).code, "CredentialsProviderError")
    }).pipe(Effect.scoped)
  )

  it.effect("never renews long-term keys, which have no expiry", () =>
    Effect.gen(function* () {
      let calls = 0
      const get = yield* Credentials.cached(() => {
        calls++
        return Promise.resolve({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" })
      })
      yield* get
      yield* TestClock.adjust("30 days")
      yield* get
      assert.strictEqual(calls, 1)
    })
  )
})
