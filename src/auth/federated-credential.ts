import { readFileSync } from "node:fs";
import { secretFileText } from "../config/secret-source.js";
import type { SecretScrubber } from "../log/secret-scrubber.js";
import { type ClientCredential, JWT_BEARER } from "./client-credential.js";
import { AuthError } from "./errors.js";

/**
 * Workload identity federation (AKS workload identity): the token in AZURE_FEDERATED_TOKEN_FILE
 * (a projected service-account token) is the client assertion. The kubelet rotates the file, so it
 * is read afresh for every grant and never cached.
 */
export class FederatedTokenCredential implements ClientCredential {
  readonly kind = "workload_identity";
  readonly #path: string;
  readonly #scrubber: Pick<SecretScrubber, "addRotating">;

  constructor(path: string, scrubber: Pick<SecretScrubber, "addRotating">) {
    this.#path = path;
    this.#scrubber = scrubber;
  }

  /** Whether the file can be read now (at start-up: a wrong path is a configuration error). */
  check(): string | undefined {
    try {
      this.#read();
      return undefined;
    } catch (error) {
      return error instanceof AuthError ? error.message : String(error);
    }
  }

  fields(): Record<string, string> {
    return { client_assertion_type: JWT_BEARER, client_assertion: this.#read() };
  }

  /** Not tracked: the kubelet rotates the token hourly, which is no operator action. */
  fingerprint(): undefined {
    return undefined;
  }

  #read(): string {
    let token: string;
    try {
      token = secretFileText(readFileSync(this.#path, "utf8")).trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "read error";
      throw new AuthError(
        `cannot read AZURE_FEDERATED_TOKEN_FILE ${this.#path} (${code}): is the pod labelled for workload identity?`,
        undefined,
        undefined,
        undefined,
      );
    }
    if (token === "") {
      throw new AuthError(
        `AZURE_FEDERATED_TOKEN_FILE ${this.#path} is empty`,
        undefined,
        undefined,
        undefined,
      );
    }
    this.#scrubber.addRotating(token);
    return token;
  }
}
