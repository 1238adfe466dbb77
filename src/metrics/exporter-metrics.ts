import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { REFRESH_TOKEN_LIFETIME_MS, type TokenObserver } from "../auth/access-token-provider.js";
import type { RefreshResult } from "../auth/errors.js";
import type { Collector } from "../collectors/collector.js";
import { FAILURE_REASONS } from "../errors/exporter-error.js";
import type { ApiObserver } from "../partner-center/client.js";
import type { PollOutcome, PollSink } from "../poller/poll-outcome.js";
import { renderGaugeFamilies } from "./exposition.js";
import { type ScrapeBody, ScrapeCache, type Segment, toSegment } from "./scrape-cache.js";

const REFRESH_RESULTS: readonly RefreshResult[] = [
  "success",
  "invalid_grant",
  "invalid_client",
  "interaction_required",
  "rejected",
  "error",
];

const MISNAMED_DEFAULT_METRICS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

export interface ExporterMetricsOptions {
  readonly collectors: readonly Collector[];
  readonly version: string;
  /** Process and Node.js runtime metrics; off in unit tests that compare whole expositions. */
  readonly processMetrics?: boolean;
}

/**
 * Owns everything a scrape shows: the collectors' series (rendered once per successful poll and
 * swapped in whole, so a scrape never sees half a poll) and the exporter's own metrics
 * (prom-client). The only writer of metric values.
 */
export class ExporterMetrics implements PollSink {
  /** The exporter's own health metrics (process metrics live in a registry of their own). */
  readonly registry = new Registry();
  readonly #collectors: readonly Collector[];
  readonly #scrape: ScrapeCache;
  /** Bumped on every change of a health metric: the scrape cache re-renders them only then. */
  #version = 0;
  readonly #up: Gauge;
  readonly #lastSuccess: Gauge;
  readonly #pollDuration: Histogram;
  readonly #pollErrors: Counter;
  readonly #collectorSuccess: Gauge;
  readonly #collectorLastSuccess: Gauge;
  readonly #collectorDuration: Gauge;
  readonly #itemsReceived: Counter;
  readonly #itemsSkipped: Counter;
  readonly #apiRequests: Counter;
  readonly #tokenRefreshes: Counter;
  readonly #tokenPersisted: Gauge;
  readonly #tokenLastRefresh: Gauge;
  readonly #refreshTokenExpiry: Gauge;
  readonly #accessTokenMfa: Gauge;
  readonly #tokenFailures: Counter;

  constructor(options: ExporterMetricsOptions) {
    const registers = [this.registry];
    this.#up = new Gauge({
      name: "partner_center_up",
      help: "1 if the most recent poll of Partner Center succeeded (every enabled collector), else 0.",
      registers,
    });
    this.#lastSuccess = new Gauge({
      name: "partner_center_last_success_timestamp_seconds",
      help: "When the last successful poll finished, in Unix seconds (0: none yet).",
      registers,
    });
    this.#pollDuration = new Histogram({
      name: "partner_center_poll_duration_seconds",
      help: "Duration of polls of Partner Center, retries included.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#pollErrors = new Counter({
      name: "partner_center_poll_errors_total",
      help: "Failed collector polls, by collector and reason.",
      labelNames: ["collector", "reason"],
      registers,
    });
    this.#collectorSuccess = new Gauge({
      name: "partner_center_collector_success",
      help: "1 if the collector's last poll succeeded, else 0.",
      labelNames: ["collector"],
      registers,
    });
    this.#collectorLastSuccess = new Gauge({
      name: "partner_center_collector_last_success_timestamp_seconds",
      help: "When the collector's last successful poll finished, in Unix seconds (0: none yet).",
      labelNames: ["collector"],
      registers,
    });
    this.#collectorDuration = new Gauge({
      name: "partner_center_collector_duration_seconds",
      help: "Duration of the collector's last poll.",
      labelNames: ["collector"],
      registers,
    });
    this.#itemsReceived = new Counter({
      name: "partner_center_items_received_total",
      help: "Items received from Partner Center in successful polls.",
      labelNames: ["collector"],
      registers,
    });
    this.#itemsSkipped = new Counter({
      name: "partner_center_items_skipped_total",
      help: "Items received but not exported (unusable or duplicate), by reason.",
      labelNames: ["collector", "reason"],
      registers,
    });
    this.#apiRequests = new Counter({
      name: "partner_center_api_requests_total",
      help: "HTTP requests to the Partner Center API, by endpoint and status code (timeout or network when no answer came).",
      labelNames: ["endpoint", "code"],
      registers,
    });
    this.#tokenRefreshes = new Counter({
      name: "partner_center_token_refreshes_total",
      help: "Access token refreshes (refresh token grants), by result.",
      labelNames: ["result"],
      registers,
    });
    this.#tokenPersisted = new Gauge({
      name: "partner_center_refresh_token_persisted",
      help: "1 if the refresh token in use is saved under STATE_DIR, 0 if it lives only in memory.",
      registers,
    });
    this.#tokenLastRefresh = new Gauge({
      name: "partner_center_token_last_refresh_timestamp_seconds",
      help: "When the last refresh-token grant succeeded, in Unix seconds (0: none yet).",
      registers,
    });
    this.#refreshTokenExpiry = new Gauge({
      name: "partner_center_refresh_token_expiry_timestamp_seconds",
      help: "The latest moment the refresh token in use can still be redeemed (90 days after it was issued; every use renews it), in Unix seconds. Absent while unknown.",
      registers,
    });
    this.#accessTokenMfa = new Gauge({
      name: "partner_center_access_token_mfa",
      help: "1 if the current access token carries the MFA claim (amr contains mfa), 0 if not. Absent while unknown.",
      registers,
    });
    this.#tokenFailures = new Counter({
      name: "partner_center_token_refresh_failures_total",
      help: "Refused or failed refresh-token grants, by OAuth error and AADSTS code (empty when none came).",
      labelNames: ["error", "aadsts"],
      registers,
    });
    new Gauge({
      name: "partner_center_exporter_build_info",
      help: "Build information of the exporter; the value is always 1.",
      labelNames: ["version", "nodejs_version"],
      registers,
    }).set({ version: options.version, nodejs_version: process.versions.node }, 1);

    // Zero-initialise the label sets alerts and rate() rely on, so they exist before the first event.
    this.#up.set(0);
    this.#lastSuccess.set(0);
    this.#tokenPersisted.set(1);
    this.#tokenLastRefresh.set(0);
    // Unknown until the first grant: absent, not 0 (0 would read as "expired in 1970").
    this.#refreshTokenExpiry.remove();
    this.#accessTokenMfa.remove();
    for (const collector of options.collectors) {
      const labels = { collector: collector.name };
      this.#collectorSuccess.set(labels, 0);
      this.#collectorLastSuccess.set(labels, 0);
      this.#itemsReceived.inc(labels, 0);
      for (const reason of FAILURE_REASONS) this.#pollErrors.inc({ ...labels, reason }, 0);
      for (const reason of collector.skipReasons) this.#itemsSkipped.inc({ ...labels, reason }, 0);
    }
    for (const result of REFRESH_RESULTS) this.#tokenRefreshes.inc({ result }, 0);
    let processRegistry: Registry | undefined;
    if (options.processMetrics ?? true) {
      processRegistry = new Registry();
      collectDefaultMetrics({ register: processRegistry });
      // prom-client names these gauges *_total, which promtool rejects; the per-type gauges stay.
      for (const name of MISNAMED_DEFAULT_METRICS) processRegistry.removeSingleMetric(name);
    }
    this.#collectors = options.collectors;
    this.#scrape = new ScrapeCache({
      collectorOrder: options.collectors.map((c) => c.name),
      health: this.registry,
      healthVersion: () => this.#version,
      process: processRegistry,
    });
  }

  /** The collectors' families with no series yet: what a scrape shows before the first poll. */
  async initialize(): Promise<void> {
    const empty = new Map<string, Segment>();
    for (const collector of this.#collectors) {
      empty.set(
        collector.name,
        await toSegment(await renderGaugeFamilies(collector.families, new Map())),
      );
    }
    this.#scrape.setCollectorSegments(empty);
  }

  /** The answer to a scrape, from memory. */
  scrape(openMetrics: boolean, gzip: boolean): Promise<ScrapeBody> {
    return this.#scrape.body(openMetrics, gzip);
  }

  /** The answer to a scrape when nothing changed since the last one (no promise, no wait). */
  cachedScrape(openMetrics: boolean, gzip: boolean): ScrapeBody | undefined {
    return this.#scrape.cachedBody(openMetrics, gzip);
  }

  /** One collector's rendered series (for tests and the golden files). */
  collectorExposition(name: string): string {
    const segment = this.#scrape.collectorSegment(name);
    return segment === undefined ? "" : Buffer.concat(segment.plain).toString("utf8");
  }

  /**
   * Renders each successful collector's series (in chunks, yielding to scrapes), then swaps them
   * in and updates the health metrics in one synchronous step.
   */
  async onPollComplete(outcome: PollOutcome): Promise<void> {
    const rendered = new Map<string, Segment>();
    for (const result of outcome.results) {
      if (!result.ok) continue;
      const text = await renderGaugeFamilies(result.collector.families, result.collection.series);
      rendered.set(result.collector.name, await toSegment(text));
    }
    this.#scrape.setCollectorSegments(rendered);
    this.#version++;
    const finished = outcome.finishedAt / 1000;
    for (const result of outcome.results) {
      const labels = { collector: result.collector.name };
      this.#collectorDuration.set(labels, result.durationMs / 1000);
      if (result.ok) {
        const { collection } = result;
        this.#collectorSuccess.set(labels, 1);
        this.#collectorLastSuccess.set(labels, finished);
        this.#itemsReceived.inc(labels, collection.received);
        for (const skip of collection.skipped) {
          this.#itemsSkipped.inc({ ...labels, reason: skip.reason });
        }
      } else {
        this.#collectorSuccess.set(labels, 0);
        if (result.reason !== "aborted") this.#pollErrors.inc({ ...labels, reason: result.reason });
      }
    }
    this.#pollDuration.observe((outcome.finishedAt - outcome.startedAt) / 1000);
    this.#up.set(outcome.ok ? 1 : 0);
    if (outcome.ok) this.#lastSuccess.set(finished);
  }

  readonly apiObserver: ApiObserver = {
    onRequest: (endpoint, code) => {
      this.#apiRequests.inc({ endpoint, code });
      this.#version++;
    },
  };

  readonly tokenObserver: TokenObserver = {
    onRefresh: (result, failure) => {
      this.#version++;
      this.#tokenRefreshes.inc({ result });
      if (failure !== undefined) {
        this.#tokenFailures.inc({
          error: failure.oauthError ?? "",
          aadsts: failure.aadsts === undefined ? "" : String(failure.aadsts),
        });
      }
    },
    onHealth: (health) => {
      this.#version++;
      this.#tokenLastRefresh.set(health.refreshedAt / 1000);
      if (health.refreshTokenIssuedAt === undefined) this.#refreshTokenExpiry.remove();
      else
        this.#refreshTokenExpiry.set(
          (health.refreshTokenIssuedAt + REFRESH_TOKEN_LIFETIME_MS) / 1000,
        );
      if (health.mfa === undefined) this.#accessTokenMfa.remove();
      else this.#accessTokenMfa.set(health.mfa ? 1 : 0);
    },
    onPersisted: (persisted) => {
      this.#version++;
      this.#tokenPersisted.set(persisted ? 1 : 0);
    },
  };
}
