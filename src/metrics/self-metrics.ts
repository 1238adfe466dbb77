import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { REFRESH_RESULTS } from "../auth/errors.js";
import type { Collector } from "../collectors/collector.js";
import { FAILURE_REASONS } from "../errors/exporter-error.js";
import { BUILD_INFO } from "../version.js";
import { HTTP_REFUSALS } from "./http-recorder.js";

/** What the series present at start depend on: the enabled collectors and the build. */
export interface MetricsStart {
  readonly collectors: readonly Pick<Collector, "name" | "skipReasons" | "mode">[];
  readonly version: string;
}

/** A series that exists before the first event (alerts and rate() rely on it), with its value. */
export interface StartSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One of the exporter's own metrics, as declared in SELF_METRICS. */
export interface SelfMetricDeclaration {
  readonly name: string;
  readonly type: "gauge" | "counter" | "histogram";
  readonly help: string;
  readonly labelNames: readonly string[];
  /** The series a scrape shows before the first event; none: absent until something is known. */
  readonly start: (start: MetricsStart) => readonly StartSeries[];
  readonly buckets?: readonly number[];
}

/** Where a crawl's parts stand in the current crawl. */
export const CRAWL_STATES = ["done", "failed", "pending"] as const;

const none = (): readonly StartSeries[] => [];
const unlabelled = (value: number) => (): readonly StartSeries[] => [{ labels: {}, value }];
const perCollector = ({ collectors }: MetricsStart): readonly StartSeries[] =>
  collectors.map((c) => ({ labels: { collector: c.name }, value: 0 }));
const perCollectorFailure = ({ collectors }: MetricsStart): readonly StartSeries[] =>
  collectors.flatMap((c) =>
    FAILURE_REASONS.map((reason) => ({ labels: { collector: c.name, reason }, value: 0 })),
  );
const perCollectorSkip = ({ collectors }: MetricsStart): readonly StartSeries[] =>
  collectors.flatMap((c) =>
    c.skipReasons.map((reason) => ({ labels: { collector: c.name, reason }, value: 0 })),
  );
const crawlers = ({ collectors }: MetricsStart) => collectors.filter((c) => c.mode === "crawl");
const perCrawler = (start: MetricsStart): readonly StartSeries[] =>
  crawlers(start).map((c) => ({ labels: { collector: c.name }, value: 0 }));
const perCrawlerState = (start: MetricsStart): readonly StartSeries[] =>
  crawlers(start).flatMap((c) =>
    CRAWL_STATES.map((state) => ({ labels: { collector: c.name, state }, value: 0 })),
  );
const perCrawlerFailure = (start: MetricsStart): readonly StartSeries[] =>
  crawlers(start).flatMap((c) =>
    FAILURE_REASONS.filter((r) => r !== "aborted").map((reason) => ({
      labels: { collector: c.name, reason },
      value: 0,
    })),
  );
const perRefreshResult = (): readonly StartSeries[] =>
  REFRESH_RESULTS.map((result) => ({ labels: { result }, value: 0 }));
const perHttpRefusal = (): readonly StartSeries[] =>
  HTTP_REFUSALS.map((reason) => ({ labels: { reason }, value: 0 }));
const buildInfo = ({ version }: MetricsStart): readonly StartSeries[] => [
  {
    labels: { version, revision: BUILD_INFO.revision, nodejs_version: process.versions.node },
    value: 1,
  },
];

/**
 * The exporter's own metrics, in exposition order: name, type, help, labels and the series that
 * exist from the start, side by side. The one place they are declared.
 */
export const SELF_METRICS = [
  {
    name: "partner_center_up",
    type: "gauge",
    help: "1 if the most recent poll of Partner Center succeeded (every enabled collector), else 0.",
    labelNames: [],
    start: unlabelled(0),
  },
  {
    name: "partner_center_last_success_timestamp_seconds",
    type: "gauge",
    help: "When the last successful poll finished, in Unix seconds (0: none yet).",
    labelNames: [],
    start: unlabelled(0),
  },
  {
    name: "partner_center_poll_duration_seconds",
    type: "histogram",
    help: "Duration of polls of Partner Center, retries included.",
    labelNames: [],
    start: unlabelled(0),
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  },
  {
    name: "partner_center_poll_errors_total",
    type: "counter",
    help: "Failed collector polls, by collector and reason.",
    labelNames: ["collector", "reason"],
    start: perCollectorFailure,
  },
  {
    name: "partner_center_collector_success",
    type: "gauge",
    help: "1 if the collector's last poll succeeded, else 0.",
    labelNames: ["collector"],
    start: perCollector,
  },
  {
    name: "partner_center_collector_last_success_timestamp_seconds",
    type: "gauge",
    help: "When the collector's last successful poll finished, in Unix seconds (0: none yet).",
    labelNames: ["collector"],
    start: perCollector,
  },
  {
    name: "partner_center_collector_duration_seconds",
    type: "gauge",
    help: "Duration of the collector's last poll.",
    labelNames: ["collector"],
    start: none,
  },
  {
    name: "partner_center_items_received_total",
    type: "counter",
    help: "Items received from Partner Center in successful polls.",
    labelNames: ["collector"],
    start: perCollector,
  },
  {
    name: "partner_center_items_skipped_total",
    type: "counter",
    help: "Items received but not exported (unusable or duplicate), by reason.",
    labelNames: ["collector", "reason"],
    start: perCollectorSkip,
  },
  {
    name: "partner_center_crawl_customers",
    type: "gauge",
    help: "Customers of the current crawl of a crawl collector (customer-subscriptions), by state: done, failed (they keep their last good series) or pending.",
    labelNames: ["collector", "state"],
    start: perCrawlerState,
  },
  {
    name: "partner_center_crawl_customer_failures_total",
    type: "counter",
    help: "Customers whose answer a crawl could not use (they keep their last good series), by collector and reason.",
    labelNames: ["collector", "reason"],
    start: perCrawlerFailure,
  },
  {
    name: "partner_center_crawl_last_complete_timestamp_seconds",
    type: "gauge",
    help: "When the collector's last complete crawl (every customer visited) ended, in Unix seconds (0: none yet).",
    labelNames: ["collector"],
    start: perCrawler,
  },
  {
    name: "partner_center_crawl_requests_per_minute",
    type: "gauge",
    help: "The pace the crawl allows itself now, in requests a minute: the configured limit, lower after a 429.",
    labelNames: ["collector"],
    start: none,
  },
  {
    name: "partner_center_api_requests_total",
    type: "counter",
    help: "HTTP requests to the Partner Center API, by endpoint and status code (timeout or network when no answer came).",
    labelNames: ["endpoint", "code"],
    start: none,
  },
  {
    name: "partner_center_token_refreshes_total",
    type: "counter",
    help: "Access token refreshes (refresh token grants), by result.",
    labelNames: ["result"],
    start: perRefreshResult,
  },
  {
    name: "partner_center_refresh_token_persisted",
    type: "gauge",
    help: "1 if the refresh token in use is saved under STATE_DIR, 0 if it lives only in memory.",
    labelNames: [],
    start: unlabelled(1),
  },
  {
    name: "partner_center_token_last_refresh_timestamp_seconds",
    type: "gauge",
    help: "When the last refresh-token grant succeeded, in Unix seconds (0: none yet).",
    labelNames: [],
    start: unlabelled(0),
  },
  {
    // Absent until the first grant, not 0 (0 would read as "expired in 1970").
    name: "partner_center_refresh_token_expiry_timestamp_seconds",
    type: "gauge",
    help: "The latest moment the refresh token in use can still be redeemed (90 days after it was issued; every use renews it), in Unix seconds. Absent while unknown.",
    labelNames: [],
    start: none,
  },
  {
    name: "partner_center_access_token_mfa",
    type: "gauge",
    help: "1 if the current access token carries the MFA claim (amr contains mfa), 0 if not. Absent while unknown.",
    labelNames: [],
    start: none,
  },
  {
    name: "partner_center_token_refresh_failures_total",
    type: "counter",
    help: "Refused or failed refresh-token grants, by OAuth error and AADSTS code: the documented ones, `other` for any other, empty when none came.",
    labelNames: ["error", "aadsts"],
    start: none,
  },
  {
    name: "partner_center_exporter_http_refusals_total",
    type: "counter",
    help: "Clients the HTTP server turned away: connection_limit (connections capped below the file-descriptor limit), pipeline_depth (too many unanswered pipelined requests on one connection: closed), auth_busy (the password-check queue was full: 503).",
    labelNames: ["reason"],
    start: perHttpRefusal,
  },
  {
    name: "partner_center_exporter_web_config_reload_failures_total",
    type: "counter",
    help: "Times the web config file was found empty, unreadable, invalid, too large or not a regular file; the last good configuration stays in force until a valid file replaces it.",
    labelNames: [],
    start: unlabelled(0),
  },
  {
    name: "partner_center_exporter_build_info",
    type: "gauge",
    help: "Build information of the exporter (the git revision as --version prints it); the value is always 1.",
    labelNames: ["version", "revision", "nodejs_version"],
    start: buildInfo,
  },
] as const satisfies readonly SelfMetricDeclaration[];

type Declared = (typeof SELF_METRICS)[number];
type Instrument<T extends SelfMetricDeclaration["type"]> = T extends "gauge"
  ? Gauge
  : T extends "counter"
    ? Counter
    : Histogram;

/** The prom-client metric behind each declaration, by metric name. */
export type SelfMetrics = { readonly [D in Declared as D["name"]]: Instrument<D["type"]> };

function instrument(
  declaration: SelfMetricDeclaration,
  registry: Registry,
): Gauge | Counter | Histogram {
  const { name, help, labelNames, buckets } = declaration;
  const common = { name, help, labelNames, registers: [registry] };
  if (declaration.type === "gauge") return new Gauge(common);
  if (declaration.type === "counter") return new Counter(common);
  return new Histogram({ ...common, ...(buckets !== undefined ? { buckets: [...buckets] } : {}) });
}

/** Puts a new metric in its start state: exactly the declared series, each at its value. */
function setStart(
  metric: Gauge | Counter | Histogram,
  declaration: SelfMetricDeclaration,
  series: readonly StartSeries[],
): void {
  // prom-client shows an unlabelled metric at 0 from the start; none declared means absent.
  if (series.length === 0 && declaration.labelNames.length === 0) metric.remove();
  for (const { labels, value } of series) {
    if (metric instanceof Gauge) metric.set(labels, value);
    else if (metric instanceof Counter) metric.inc(labels, value);
    else metric.zero(labels);
  }
}

/** Creates every declared metric in the registry, in declaration order, in its start state. */
export function createSelfMetrics(registry: Registry, start: MetricsStart): SelfMetrics {
  const created: Record<string, Gauge | Counter | Histogram> = {};
  for (const declaration of SELF_METRICS) {
    const metric = instrument(declaration, registry);
    setStart(metric, declaration, declaration.start(start));
    created[declaration.name] = metric;
  }
  return created as SelfMetrics;
}
