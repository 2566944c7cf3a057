/**
 * SigV4 signing for the lean transport, with the SDK's own signer (`@smithy/signature-v4`) and
 * the SHA-256 the SDK uses on Node (`@smithy/core/checksum`, over `node:crypto`).
 *
 * The request is signed as the SDK signs it: service `sqs`, the region of the settings, every
 * header it sends except `user-agent` (the signer leaves that one out), a session token in
 * `x-amz-security-token` when the credentials carry one, and `x-amz-content-sha256`. The signing
 * time is passed in, so it comes from `Clock`.
 */
import { Sha256 } from "@smithy/core/checksum"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect } from "effect"
import type { Credentials } from "./credentials.ts"

/** The request shape the SDK's signer takes (`HttpRequest` of `@smithy/types`). */
export type SignableRequest = Parameters<SignatureV4["sign"]>[0]

/** Signs requests for one region; fails with the signer's own error. */
export type Sign = (
  request: SignableRequest,
  credentials: Credentials,
  signingDate: Date
) => Effect.Effect<SignableRequest["headers"], unknown>

/**
 * The SDK's signer takes its credentials when it is made, so there is one per set of credentials
 * (renewed credentials get a new one); derived signing keys are cached by the signer itself.
 */
export const make = (region: string): Sign => {
  const signers = new WeakMap<Credentials, SignatureV4>()
  const signerFor = (credentials: Credentials): SignatureV4 => {
    const known = signers.get(credentials)
    if (known !== undefined) return known
    const signer = new SignatureV4({ credentials, region, service: "sqs", sha256: Sha256 })
    signers.set(credentials, signer)
    return signer
  }
  return (request, credentials, signingDate) =>
    Effect.tryPromise({
      try: () => signerFor(credentials).sign(request, { signingDate }),
      catch: (error) => error
    }).pipe(Effect.map((signed) => signed.headers))
}
