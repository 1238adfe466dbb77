import { sha256 } from "./refresh-token-store.js";

/** RFC 7523's client assertion type: a JWT proves the client instead of a secret. */
export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** How the app proves itself to the token authority: exactly one of these per configuration. */
export type ClientCredentialKind = "secret" | "certificate" | "workload_identity";

export interface ClientCredential {
  readonly kind: ClientCredentialKind;
  /**
   * The form fields that prove the client on a request to `tokenUrl` (an assertion's `aud`):
   * `client_secret`, or `client_assertion_type` and `client_assertion`. Read at every request, so a
   * rotated file takes effect; throws an AuthError when the material cannot be read.
   */
  fields(tokenUrl: string): Record<string, string>;
  /** Identifies the material now; a change means the operator rotated it (lifts a sign-in backoff). */
  fingerprint(): string | undefined;
}

/** The client secret, read at each request (a re-read `_FILE`). */
export function clientSecretCredential(secret: () => string | undefined): ClientCredential {
  return {
    kind: "secret",
    fields() {
      const value = secret();
      return value === undefined ? {} : { client_secret: value };
    },
    fingerprint() {
      const value = secret();
      return value === undefined ? undefined : sha256(value);
    },
  };
}

/** A credential that cannot be used (at start-up: a configuration error); never holds a secret. */
export class CredentialError extends Error {
  override name = "CredentialError";
}
