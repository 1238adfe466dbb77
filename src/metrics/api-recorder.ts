import type { Counter } from "prom-client";
import type { ApiObserver } from "../partner-center/client.js";
import type { ChangeMarker } from "./scrape-cache.js";
import type { SelfMetrics } from "./self-metrics.js";

/** Counts the Partner Center client's requests, by endpoint and status code. */
export class ApiRecorder implements ApiObserver {
  readonly #requests: Counter;
  readonly #changes: ChangeMarker;

  constructor(metrics: SelfMetrics, changes: ChangeMarker) {
    this.#requests = metrics.partner_center_api_requests_total;
    this.#changes = changes;
  }

  onRequest(endpoint: string, code: string): void {
    this.#requests.inc({ endpoint, code });
    this.#changes.markChanged();
  }
}
