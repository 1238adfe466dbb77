import type { Counter } from "prom-client";
import type { ChangeMarker } from "./scrape-cache.js";
import type { SelfMetrics } from "./self-metrics.js";

/**
 * Why the HTTP layer turned a client away: the connection cap (below the descriptor limit), a
 * connection with too many unanswered pipelined requests, or a full password-check queue.
 */
export const HTTP_REFUSALS = ["connection_limit", "pipeline_depth", "auth_busy"] as const;
export type HttpRefusal = (typeof HTTP_REFUSALS)[number];

/** What the HTTP layer reports (declared here: the HTTP layer sits below the metrics). */
export interface HttpObserver {
  onRefusal(reason: HttpRefusal): void;
  /** The web config file could not be used; the last good configuration stays in force. */
  onWebConfigKept(): void;
}

/** Counts the HTTP layer's refusals and the web config reloads it could not use. */
export class HttpRecorder implements HttpObserver {
  readonly #refusals: Counter;
  readonly #kept: Counter;
  readonly #changes: ChangeMarker;

  constructor(metrics: SelfMetrics, changes: ChangeMarker) {
    this.#refusals = metrics.partner_center_exporter_http_refusals_total;
    this.#kept = metrics.partner_center_exporter_web_config_reload_failures_total;
    this.#changes = changes;
  }

  onRefusal(reason: HttpRefusal): void {
    this.#refusals.inc({ reason });
    this.#changes.markChanged();
  }

  onWebConfigKept(): void {
    this.#kept.inc();
    this.#changes.markChanged();
  }
}
