/**
 * A local SQS behind a SigV4 verifier, and the lean transport and SDK client pointed at it.
 */
import { type LocalSqsServer, start } from "@bgcheck/local-sqs"
import { Context, Effect, Layer } from "effect"
import type { SqsConfig } from "../../src/index.ts"
import type * as Credentials from "../../src/internal/credentials.ts"
import * as Lean from "../../src/internal/lean/transport.ts"
import { type KnownCredentials, startVerifier, type Verifier } from "./sigv4Verifier.ts"

/** The local SQS's region, which the verifier expects in the credential scope. */
export const REGION = "us-east-1"

/** Test credentials, as AWS documents its examples. */
export const TEST_CREDENTIALS: KnownCredentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
}

export const TEST_SESSION_CREDENTIALS: KnownCredentials = {
  ...TEST_CREDENTIALS,
  accessKeyId: "ASIAEXAMPLESESSION01",
  sessionToken: "FwoGZXIvYXdzEXAMPLE//session+token/with=odd&characters"
}

export class Verified extends Context.Service<
  Verified,
  { readonly server: LocalSqsServer; readonly verifier: Verifier }
>()("test/lean/Verified") {
  /** A fresh local SQS behind a verifier that knows `credentials`. */
  static readonly layerWith = (
    credentials: KnownCredentials,
    rewrite?: (action: string, body: string) => string
  ): Layer.Layer<Verified> =>
    Layer.effect(
      Verified,
      Effect.gen(function* () {
        const server = yield* Effect.acquireRelease(
          Effect.promise(() => start()),
          (server) => Effect.promise(() => server.stop())
        )
        const verifier = yield* Effect.acquireRelease(
          Effect.promise(() =>
            startVerifier({ upstream: server.endpoint, credentials, region: REGION, rewrite })
          ),
          (verifier) => Effect.promise(() => verifier.stop())
        )
        return { server, verifier }
      })
    )
}

/** Settings as `SqsConfig.resolve({ endpoint })` gives them for a loopback endpoint, without the environment. */
export const settingsAt = (endpoint: string): SqsConfig.SqsSettings => ({
  mode: "explicit",
  endpoint,
  region: REGION,
  loopback: true,
  credentials: "placeholder",
  location: endpoint,
  source: "--endpoint",
  transport: "lean"
})

/** A credential source that always gives `credentials`. */
export const fixed =
  (credentials: KnownCredentials): Credentials.CredentialSource =>
  () =>
    Promise.resolve(
      credentials.sessionToken === undefined
        ? { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }
        : {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken
          }
    )

/** The lean actions against the verifier, signing with `credentials`. */
export const leanWith = (credentials: KnownCredentials, options: Lean.LeanOptions = {}) =>
  Effect.flatMap(Verified, ({ verifier }) =>
    Lean.makeLeanActions(settingsAt(verifier.endpoint), { credentials: fixed(credentials), ...options })
  )
