import type { Logger } from "pino";
import { formatDuration } from "../config/duration.js";
import type { SecretScrubber } from "../log/secret-scrubber.js";
import { AuthError, type RefreshResult } from "./errors.js";
import { type RefreshTokenStore, sha256 } from "./refresh-token-store.js";
import type { TokenClient } from "./token-client.js";

/** Entra ID refresh tokens expire after 90 days without use (a sliding window). */
export const REFRESH_TOKEN_LIFETIME_MS = 90 * 86_400_000;
const EXPIRY_WARNING_MS = 14 * 86_400_000;

export interface TokenHealth {
  /** When the last refresh-token grant succeeded. */
  readonly refreshedAt: number;
  /** Whether the access token carries the MFA claim (undefined: it does not say). */
  readonly mfa: boolean | undefined;
  /** When the refresh token in use was issued, if known (its 90 days start there). */
  readonly refreshTokenIssuedAt: number | undefined;
}

export interface TokenObserver {
  onRefresh(result: RefreshResult, failure?: AuthError): void;
  /** After each successful grant. */
  onHealth(health: TokenHealth): void;
  /** Whether the refresh token in use is safely on disk. */
  onPersisted(persisted: boolean): void;
}

export interface AccessTokenProviderOptions {
  readonly client: Pick<TokenClient, "redeemRefreshToken">;
  readonly store: Pick<RefreshTokenStore, "save" | "path">;
  readonly refreshToken: string;
  /** When that refresh token was issued, if known (the token file's save time). */
  readonly refreshTokenIssuedAt?: number | undefined;
  /** sha256 of the configured token this chain descends from (kept in the token file). */
  readonly configuredSha256: string | undefined;
  /** The configured token now (a re-read *_FILE); a change means the operator signed in again. */
  readonly configuredRefreshToken?: () => string | undefined;
  /** The client secret now (a re-read *_FILE); a change lifts a sign-in backoff. */
  readonly clientSecret?: () => string | undefined;
  /** Identifies the client credential now (secret, certificate); wins over `clientSecret`. */
  readonly credentialFingerprint?: () => string | undefined;
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
  #issuedAt: number | undefined;
  #configuredSha256: string | undefined;
  #cached: { token: string; refreshAt: number } | undefined;
  #inflight: Promise<string> | undefined;
  #refusals = 0;
  #blockedUntil = 0;
  #lastRefusal: AuthError | undefined;
  #lastMfa: boolean | undefined;
  #credentialFingerprint: string | undefined;

  constructor(options: AccessTokenProviderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#refreshToken = options.refreshToken;
    this.#issuedAt = options.refreshTokenIssuedAt;
    this.#configuredSha256 = options.configuredSha256;
    this.#credentialFingerprint = this.#fingerprintNow();
    options.scrubber.addRotating(options.refreshToken);
    if (this.#issuedAt !== undefined) {
      const expiresAt = this.#issuedAt + REFRESH_TOKEN_LIFETIME_MS;
      if (expiresAt - this.#now() < EXPIRY_WARNING_MS) {
        options.logger.warn(
          { refreshTokenExpiresAt: new Date(expiresAt).toISOString() },
          "the refresh token is close to its 90-day limit: it renews on its next use; if the exporter was stopped long, sign in again",
        );
      }
    }
  }

  async getAccessToken(signal?: AbortSignal): Promise<string> {
    this.#noticeChangedCredentials();
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

  /**
   * An operator who re-consents or renews the client secret updates the mounted secret: a new
   * refresh token wins, and either change lifts the sign-in backoff so the next poll tries at once.
   */
  #noticeChangedCredentials(): void {
    const fingerprint = this.#fingerprintNow();
    if (fingerprint !== this.#credentialFingerprint) {
      this.#credentialFingerprint = fingerprint;
      this.#liftBackoff();
      this.#options.logger.info("the client credential changed; using it from now on");
    }
    const configured = this.#options.configuredRefreshToken?.();
    if (configured === undefined) return;
    const configuredSha256 = sha256(configured);
    if (configuredSha256 === this.#configuredSha256) return;
    this.#configuredSha256 = configuredSha256;
    this.#refreshToken = configured;
    this.#issuedAt = undefined;
    this.#cached = undefined;
    this.#liftBackoff();
    this.#options.scrubber.addRotating(configured);
    this.#options.logger.info("the configured refresh token changed; using it from now on");
  }

  #fingerprintNow(): string | undefined {
    const { credentialFingerprint, clientSecret } = this.#options;
    if (credentialFingerprint !== undefined) return credentialFingerprint();
    const secret = clientSecret?.();
    return secret === undefined ? undefined : sha256(secret);
  }

  #liftBackoff(): void {
    this.#refusals = 0;
    this.#lastRefusal = undefined;
    this.#blockedUntil = 0;
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
        observer.onRefresh(error.result, error);
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
      {
        expiresIn: formatDuration(Math.round(lifetime / 1000) * 1000),
        rotated: grant.refreshToken !== undefined,
        mfa: grant.mfa,
      },
      "access token refreshed",
    );
    if (grant.mfa === false && this.#lastMfa !== false) {
      logger.warn(
        "the access token carries no MFA claim (amr): Partner Center requires MFA for App+User calls; sign in again with MFA (partner-center-exporter login)",
      );
    }
    this.#lastMfa = grant.mfa;
    const now = this.#now();
    if (grant.refreshToken !== undefined && grant.refreshToken !== this.#refreshToken) {
      this.#options.scrubber.addRotating(grant.refreshToken);
      // Memory first: the new token is the one to use even if the disk refuses it.
      this.#refreshToken = grant.refreshToken;
      this.#issuedAt = now;
      await this.#persist(grant.refreshToken);
    }
    observer.onHealth({ refreshedAt: now, mfa: grant.mfa, refreshTokenIssuedAt: this.#issuedAt });
    return grant.accessToken;
  }

  async #persist(refreshToken: string): Promise<void> {
    const { store, logger, observer } = this.#options;
    try {
      await store.save(refreshToken, this.#configuredSha256);
      observer.onPersisted(true);
    } catch (error) {
      observer.onPersisted(false);
      const { code, path } = error as NodeJS.ErrnoException;
      logger.error(
        { path: path ?? store.path, code },
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
        retryIn: formatDuration(wait),
        action: error.hint,
      },
      `Partner Center sign-in refused: ${error.message}`,
    );
  }
}
