import {
  REFRESH_TOKEN_LIFETIME_MS,
  type TokenHealth,
  type TokenObserver,
} from "../auth/access-token-provider.js";
import type { AuthError, RefreshResult } from "../auth/errors.js";
import type { ChangeMarker } from "./scrape-cache.js";
import type { SelfMetrics } from "./self-metrics.js";

/** Records what the token provider reports: grants, their refusals, token health, persistence. */
export class TokenRecorder implements TokenObserver {
  readonly #metrics: SelfMetrics;
  readonly #changes: ChangeMarker;

  constructor(metrics: SelfMetrics, changes: ChangeMarker) {
    this.#metrics = metrics;
    this.#changes = changes;
  }

  onRefresh(result: RefreshResult, failure?: Pick<AuthError, "errorLabel" | "aadstsLabel">): void {
    this.#metrics.partner_center_token_refreshes_total.inc({ result });
    if (failure !== undefined) {
      // Fixed sets: what the authority wrote goes to the log, never into a label.
      this.#metrics.partner_center_token_refresh_failures_total.inc({
        error: failure.errorLabel,
        aadsts: failure.aadstsLabel,
      });
    }
    this.#changes.markChanged();
  }

  onHealth(health: TokenHealth): void {
    const m = this.#metrics;
    m.partner_center_token_last_refresh_timestamp_seconds.set(health.refreshedAt / 1000);
    const expiry = m.partner_center_refresh_token_expiry_timestamp_seconds;
    // Unknown is absent, never 0 (0 would read as "expired in 1970").
    if (health.refreshTokenIssuedAt === undefined) expiry.remove();
    else expiry.set((health.refreshTokenIssuedAt + REFRESH_TOKEN_LIFETIME_MS) / 1000);
    if (health.mfa === undefined) m.partner_center_access_token_mfa.remove();
    else m.partner_center_access_token_mfa.set(health.mfa ? 1 : 0);
    this.#changes.markChanged();
  }

  onPersisted(persisted: boolean): void {
    this.#metrics.partner_center_refresh_token_persisted.set(persisted ? 1 : 0);
    this.#changes.markChanged();
  }
}
