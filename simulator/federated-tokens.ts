import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { rename, writeFile } from "node:fs/promises";
import type { Refusal } from "./aad-errors.js";

/** The audience Entra ID requires in a federated token (api://AzureADTokenExchange). */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
export const WORKLOAD_SUBJECT = "system:serviceaccount:monitoring:partner-center-exporter";
const DEFAULT_LIFETIME_SECONDS = 3600;

export interface FederatedTokenOptions {
  /** How long the token is valid; default an hour (the kubelet's projected token). */
  readonly lifetimeSeconds?: number;
  /** Whether the token written before stops being accepted (proves the client re-reads). */
  readonly revokePrevious?: boolean;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * A cluster's service-account token issuer and the federated credential that trusts it: the
 * simulator writes the token file (as the kubelet projects it) and accepts exactly the tokens it
 * wrote and still honours, comparing the presented assertion with them.
 */
export class SimulatedFederation {
  readonly issuer: string;
  readonly #live = new Map<string, number>();
  readonly #issued: string[] = [];
  readonly #now: () => number;
  #key: KeyObject | undefined;
  #last: string | undefined;

  constructor(tenantId: string, now: () => number) {
    this.issuer = `https://oidc.prod-aks.azure.com/${tenantId}/`;
    this.#now = now;
  }

  /** Writes a new token to `path` (atomically, like the kubelet) and returns it. */
  async write(path: string, options: FederatedTokenOptions = {}): Promise<string> {
    const token = this.#mint(options.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS);
    if ((options.revokePrevious ?? true) && this.#last !== undefined) this.#live.delete(this.#last);
    this.#last = token;
    const temporary = `${path}.${randomUUID()}.tmp`;
    await writeFile(temporary, token, { mode: 0o600 });
    await rename(temporary, path);
    return token;
  }

  /** Every token it issued, as the client would hold it (tests check none leaks). */
  get issued(): readonly string[] {
    return this.#issued;
  }

  /** Whether an assertion with this `iss` is a federated token (not signed by the app itself). */
  isFederated(issuer: unknown): boolean {
    return issuer === this.issuer;
  }

  /** Entra ID's check of a federated assertion: a record must match, and it must be in time. */
  verify(assertion: string, claims: Record<string, unknown>, skewMs: number): Refusal | undefined {
    const expiresAt = this.#live.get(assertion);
    if (expiresAt === undefined || claims.sub !== WORKLOAD_SUBJECT) {
      return {
        status: 400,
        error: "invalid_request",
        aadsts: 70021,
        message: `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(claims.iss)}'. Assertion Subject: '${String(claims.sub)}'. Assertion Audience: '${String(claims.aud)}'.`,
      };
    }
    const now = this.#now();
    if (now > expiresAt + skewMs) {
      return {
        status: 401,
        error: "invalid_client",
        aadsts: 700024,
        message: `Client assertion is not within its valid time range. Current time: ${new Date(now).toISOString()}, expiry time of assertion ${new Date(expiresAt).toISOString()}.`,
      };
    }
    return undefined;
  }

  #mint(lifetimeSeconds: number): string {
    this.#key ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const now = Math.floor(this.#now() / 1000);
    const claims = {
      aud: [TOKEN_EXCHANGE_AUDIENCE],
      iss: this.issuer,
      sub: WORKLOAD_SUBJECT,
      iat: now,
      nbf: now,
      exp: now + lifetimeSeconds,
      jti: randomUUID(),
    };
    const input = `${encode({ alg: "RS256", kid: "simulated-cluster", typ: "JWT" })}.${encode(claims)}`;
    const token = `${input}.${sign("sha256", Buffer.from(input), this.#key).toString("base64url")}`;
    this.#live.set(token, claims.exp * 1000);
    this.#issued.push(token);
    return token;
  }
}
