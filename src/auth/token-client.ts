import * as v from "valibot";
import { checkBoundary } from "../boundaries/check-boundary.js";
import { CLOUDS } from "../config/clouds.js";
import { formatDuration } from "../config/duration.js";
import { AbortedError } from "../errors/exporter-error.js";
import { redirectWords } from "../errors/redirect-error.js";
import { exchange, type HttpPolicy, type Outcome } from "../net/exchange.js";
import { networkFailureWords } from "../net/network-words.js";
import { type ClientCredential, clientSecretCredential } from "./client-credential.js";
import { AuthError, type AuthFailureReason, type RenewHints } from "./errors.js";
import { hasMfaClaim } from "./jwt-claims.js";
import { oauthError, tokenAnswer } from "./schemas.js";

const MAX_TOKEN_BODY_BYTES = 1024 * 1024;
/** What a bearer token may not hold: anything but visible ASCII (CR, LF, U+2028, Latin-1...). */
const HEADER_UNSAFE = /[^\x21-\x7e]/;

export interface TokenGrant {
  readonly accessToken: string;
  /** Whether the access token's amr claim includes mfa (undefined: the token does not say). */
  readonly mfa: boolean | undefined;
  /** Absolute expiry, milliseconds since the epoch. */
  readonly expiresAt: number;
  /** Entra ID rotates refresh tokens: a new one with each grant (absent if it did not). */
  readonly refreshToken: string | undefined;
}

export interface TokenClientOptions extends HttpPolicy {
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** How the app proves itself (secret, certificate, federated token); none: a public client. */
  readonly credential?: ClientCredential;
  /** Shorthand for a secret credential, read at each request (a rotated secret file takes effect). */
  readonly clientSecret?: () => string | undefined;
  readonly resource?: string;
  /** How the operator renews the refresh token and the secret they configured (for hints). */
  readonly renew?: RenewHints;
  readonly now?: () => number;
}

/**
 * Talks to the Entra ID token authority: the refresh-token grant at `{authority}/{tenant}/oauth2/token`
 * (the Secure Application Model), and the v2.0 grants the `login` command uses.
 */
export class TokenClient {
  readonly #options: TokenClientOptions;
  readonly #base: string;
  readonly #credential: ClientCredential | undefined;

  constructor(options: TokenClientOptions) {
    this.#options = options;
    this.#credential =
      options.credential ??
      (options.clientSecret !== undefined
        ? clientSecretCredential(options.clientSecret)
        : undefined);
    this.#base = `${options.authorityHost}/${encodeURIComponent(options.tenantId)}/oauth2`;
  }

  /** The authority's base for this tenant: `{authority}/{tenant}/oauth2`. */
  get baseUrl(): string {
    return this.#base;
  }

  get resource(): string {
    return this.#options.resource ?? CLOUDS.global.resource;
  }

  redeemRefreshToken(refreshToken: string, signal?: AbortSignal): Promise<TokenGrant> {
    return this.grant(
      "/token",
      {
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        resource: this.resource,
        scope: "openid",
      },
      signal,
    );
  }

  /**
   * Posts a grant (client id and credential added: a secret, or an assertion whose audience is
   * this very URL) and parses the tokens; retries transient failures.
   */
  async grant(
    path: string,
    fields: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<TokenGrant> {
    const form = new URLSearchParams({
      ...fields,
      client_id: this.#options.clientId,
      ...this.#credential?.fields(`${this.#base}${path}`),
    });
    const text = await this.post(path, form, signal);
    return this.#parseGrant(text);
  }

  /** Posts a form to `{authority}/{tenant}/oauth2{path}` and returns the body of a 2xx answer. */
  async post(path: string, form: URLSearchParams, signal?: AbortSignal): Promise<string> {
    const answer = await exchange(this.#options, {
      url: `${this.#base}${path}`,
      method: "POST",
      headers: { Accept: "application/json" },
      body: form,
      ...(signal !== undefined ? { signal } : {}),
      maxBodyBytes: MAX_TOKEN_BODY_BYTES,
      failure: (outcome) => this.#failure(outcome, path),
      cancelled: () => new AbortedError("token refresh cancelled"),
    });
    return answer.text;
  }

  #failure(outcome: Outcome, path: string): AuthError {
    if ("status" in outcome) {
      return parseTokenError(outcome.status, outcome.text, this.#options.renew);
    }
    const failed = (message: string, reason: AuthFailureReason) =>
      new AuthError(message, undefined, undefined, undefined, reason);
    const url = `${this.#base}${path}`;
    switch (outcome.kind) {
      case "timeout":
        return failed(
          `no answer to POST ${new URL(url).pathname} of the token authority within ${formatDuration(this.#options.requestTimeoutMs)}`,
          "timeout",
        );
      case "too_large":
        return failed(`token endpoint's answer exceeds ${outcome.limitBytes} bytes`, "auth");
      case "undecodable":
        return failed(
          `token endpoint's answer cannot be decoded: ${outcome.cause.message}`,
          "auth",
        );
      case "network":
        return failed(networkFailureWords("POST", url, outcome.cause), "network");
      case "redirect":
        return failed(
          redirectWords(outcome.refused, "the token authority", "AZURE_AUTHORITY_HOST"),
          "redirect",
        );
    }
  }

  #parseGrant(text: string): TokenGrant {
    const refused = (problem: string) =>
      new AuthError(`token endpoint answered 200 but ${problem}`, undefined, undefined, 200);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw refused("with a body that is not JSON");
    }
    // Never shows a value: the answer holds the tokens.
    const answer = checkBoundary(tokenAnswer, body, { where: "", fail: refused, secret: true });
    const unsafe = HEADER_UNSAFE.exec(answer.access_token);
    if (unsafe !== null) {
      // It would fail every request for its whole lifetime: refused now, never cached.
      throw refused(
        `its access token cannot go into an HTTP header (character ${unsafe.index + 1} of ${answer.access_token.length} is a space, a control or a non-ASCII character)`,
      );
    }
    const now = (this.#options.now ?? Date.now)();
    return {
      accessToken: answer.access_token,
      mfa: hasMfaClaim(answer.access_token),
      expiresAt: now + answer.expires_in * 1000,
      refreshToken: answer.refresh_token,
    };
  }
}

/** Turns an OAuth error body (`error`, `error_description`, `error_codes`) into an AuthError. */
export function parseTokenError(status: number, text: string, renew?: RenewHints): AuthError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's page): the status alone must do.
  }
  const parsed = v.safeParse(oauthError, body);
  const oauth = parsed.success ? parsed.output : undefined;
  const error = oauth?.error;
  const description = oauth?.error_description ?? "";
  const codes = oauth?.error_codes ?? [];
  const fromCodes = typeof codes[0] === "number" ? codes[0] : undefined;
  const fromText = /AADSTS(\d+)/.exec(description)?.[1];
  const aadsts = fromCodes ?? (fromText !== undefined ? Number(fromText) : undefined);
  // The first line of the description says what happened; the rest is trace and correlation ids.
  const summary = description
    .split(/\r?\n/)[0]
    ?.replace(/^AADSTS\d+:\s*/, "")
    .slice(0, 300);
  // A refusal is the sign-in's; a busy or failing authority is what it would be at the API.
  const reason = status === 429 ? "throttled" : status >= 500 ? "http_error" : "auth";
  return new AuthError(
    `token endpoint ${reason === "auth" ? "refused" : "failed"} the refresh token grant with ${status} ${error?.slice(0, 100) ?? "(no error code)"}${summary ? `: ${summary}` : ""}`,
    error,
    aadsts,
    status,
    reason,
    renew,
  );
}
