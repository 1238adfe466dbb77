import type { Logger } from "pino";
import type { SecretScrubber } from "../log/secret-scrubber.js";
import { AuthError, type RefreshResult } from "./errors.js";
import type { RefreshTokenStore } from "./refresh-token-store.js";
import type { TokenClient } from "./token-client.js";

export interface TokenObserver {
  onRefresh(result: RefreshResult): void;
  /** Whether the refresh token in use is safely on disk. */
  onPersisted(persisted: boolean): void;
}

export interface AccessTokenProviderOptions {
  readonly client: Pick<TokenClient, "redeemRefreshToken">;
  readonly store: Pick<RefreshTokenStore, "save" | "path">;
  readonly refreshToken: string;
  /** sha256 of the configured token this chain descends from (kept in the token file). */
  readonly configuredSha256: string | undefined;
  readonly logger: Logger;
  readonly scrubber: SecretScrubber;
  readonly observer: TokenObserver;
  readonly now?: () => number;
  /** After a refusal that needs an operator, wait this long (doubling, capped) before asking again. */
  readonly authBackoffMs?: number;
  readonly maxAuthBackoffMs?: number;
}

const MAX_EARLY_REFRESH_MS = 5 * 60_000;

/**
 * Hands out access tokens: cached until shortly before expiry, refreshed single-flight, with the
 * rotated refresh token persisted on every grant.
 */
export class AccessTokenProvider {
  readonly #options: AccessTokenProviderOptions;
  readonly #now: () => number;
  #refreshToken: string;
  #cached: { token: string; refreshAt: number } | undefined;
  #inflight: Promise<string> | undefined;
  #refusals = 0;
  #blockedUntil = 0;
  #lastRefusal: AuthError | undefined;

  constructor(options: AccessTokenProviderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#refreshToken = options.refreshToken;
    options.scrubber.addRotating(options.refreshToken);
  }

  async getAccessToken(signal?: AbortSignal): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() < cached.refreshAt) return cached.token;
    this.#inflight ??= this.#refresh(signal).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Drops a token the API refused (401), so the next call refreshes. */
  invalidate(accessToken: string): void {
    if (this.#cached?.token === accessToken) this.#cached = undefined;
  }

  async #refresh(signal?: AbortSignal): Promise<string> {
    const { logger, observer } = this.#options;
    if (this.#lastRefusal !== undefined && this.#now() < this.#blockedUntil) {
      // Asking again with the same refused token cannot succeed; wait out the backoff.
      throw this.#lastRefusal;
    }
    const started = this.#now();
    let grant: Awaited<ReturnType<TokenClient["redeemRefreshToken"]>>;
    try {
      grant = await this.#options.client.redeemRefreshToken(this.#refreshToken, signal);
    } catch (error) {
      if (error instanceof AuthError) {
        observer.onRefresh(error.result);
        if (error.needsOperator) this.#noteRefusal(error);
        else logger.warn({ err: error.message }, "access token refresh failed; will retry");
      }
      throw error;
    }
    observer.onRefresh("success");
    this.#refusals = 0;
    this.#lastRefusal = undefined;
    this.#options.scrubber.addRotating(grant.accessToken);
    const lifetime = Math.max(0, grant.expiresAt - started);
    const early = Math.min(MAX_EARLY_REFRESH_MS, lifetime / 10);
    this.#cached = { token: grant.accessToken, refreshAt: grant.expiresAt - early };
    logger.debug(
      { expiresInSeconds: Math.round(lifetime / 1000), rotated: grant.refreshToken !== undefined },
      "access token refreshed",
    );
    if (grant.refreshToken !== undefined && grant.refreshToken !== this.#refreshToken) {
      this.#options.scrubber.addRotating(grant.refreshToken);
      // Memory first: the new token is the one to use even if the disk refuses it.
      this.#refreshToken = grant.refreshToken;
      await this.#persist(grant.refreshToken);
    }
    return grant.accessToken;
  }

  async #persist(refreshToken: string): Promise<void> {
    const { store, logger, observer, configuredSha256 } = this.#options;
    try {
      await store.save(refreshToken, configuredSha256);
      observer.onPersisted(true);
    } catch (error) {
      observer.onPersisted(false);
      logger.error(
        { path: store.path, code: (error as NodeJS.ErrnoException).code },
        "could not persist the rotated refresh token: running on the token in memory; a restart now would fall back to an older token. Make STATE_DIR writable",
      );
    }
  }

  #noteRefusal(error: AuthError): void {
    const base = this.#options.authBackoffMs ?? 30_000;
    const max = this.#options.maxAuthBackoffMs ?? 3_600_000;
    const wait = Math.min(max, base * 2 ** this.#refusals);
    this.#refusals++;
    this.#lastRefusal = error;
    this.#blockedUntil = this.#now() + wait;
    this.#options.logger.error(
      {
        oauthError: error.oauthError,
        aadsts: error.aadsts,
        retryInSeconds: Math.round(wait / 1000),
        action: error.hint,
      },
      `Partner Center sign-in refused: ${error.message}`,
    );
  }
}
