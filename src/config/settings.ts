/**
 * The exporter's settings: one table, the only source the loader, `--help`, the README and the
 * login command read. Each entry: its names, its parser (bounds, choices), its default, its place.
 */
import { MAX_BACKOFF_MS } from "../net/backoff.js";
import { DEFAULT_GROUP_BY, GROUPABLE_FIELDS } from "../partner-center/fields.js";
import { MAX_PAGE_SIZE } from "../partner-center/paging.js";
import {
  boolean,
  choice,
  duration,
  integer,
  list,
  listenAddresses,
  matching,
  proxyUrl,
  text,
} from "./parsers.js";
import type { SettingSpec } from "./setting-spec.js";
import { UPSTREAM_SETTINGS } from "./settings-upstream.js";

export type { SettingKind } from "./parsers.js";
export type { SettingSpec } from "./setting-spec.js";

export const DEFAULT_PORT = 9841;
const DEFAULT_POLL_INTERVAL = "1h";
const MINUTE_MS = 60_000;
// Every collector has a cap on its rows per poll (as Prometheus's sample_limit on a scrape).
const DEFAULT_MAX_SERIES = "50000";
const MAX_SERIES_LIMIT = 10_000_000;
const OVER_THE_CAP = "more fails its poll (`too_many_series`), never a silent truncation";
const TIGHT_POLLING = "Partner Center discourages tight polling and its data changes about daily";

export const SETTINGS = [
  ...UPSTREAM_SETTINGS,
  {
    env: "POLL_INTERVAL",
    flag: "poll.interval",
    at: "poll.intervalMs",
    help: `Time between polls: \`500ms\`, \`30s\`, \`15m\`, \`1h\`. Under a minute is allowed with a warning: ${TIGHT_POLLING}`,
    default: DEFAULT_POLL_INTERVAL,
    // The demo's data drifts by the minute; an hourly poll would show a flat line.
    demoDefault: "15s",
    ...duration({
      minMs: 100,
      adviseBelowMs: MINUTE_MS,
      advice: `${TIGHT_POLLING}; consider ${DEFAULT_POLL_INTERVAL}`,
    }),
  },
  {
    env: "POLL_TIMEOUT",
    flag: "poll.timeout",
    at: "poll.timeoutMs",
    help: "Deadline for a whole poll, retries included",
    default: "5m",
    ...duration({ minMs: 100 }),
  },
  {
    env: "REQUEST_TIMEOUT",
    flag: "partner-center.request-timeout",
    at: "partnerCenter.requestTimeoutMs",
    help: "Timeout of one HTTP request to Partner Center or the token authority",
    default: "30s",
    ...duration({ minMs: 10 }),
  },
  {
    env: "MAX_RETRIES",
    flag: "partner-center.max-retries",
    at: "partnerCenter.maxRetries",
    help: "Retries of one request on timeouts, network errors and 5xx, and on 429 and 408 from the API (the token authority's 4xx are refusals, never retried)",
    default: "3",
    ...integer(0, 20),
  },
  {
    env: "RETRY_BACKOFF",
    flag: "partner-center.retry-backoff",
    at: "partnerCenter.retryBackoffMs",
    help: `First retry delay; doubles per retry with jitter, up to ${MAX_BACKOFF_MS / 1000} s`,
    default: "1s",
    ...duration({ minMs: 1 }),
  },
  {
    env: "MAX_RETRY_AFTER",
    flag: "partner-center.max-retry-after",
    at: "partnerCenter.maxRetryAfterMs",
    help: "Cap on the wait a `Retry-After` header asks for",
    default: "2m",
    ...duration({ minMs: 0 }),
  },
  {
    env: "HTTPS_PROXY",
    envAliases: ["https_proxy"],
    readOnce: true,
    flag: "proxy.https",
    at: "proxy.https",
    help: "Outbound proxy for the token authority and the API (`http://[user:password@]host:port`); `https_proxy` wins, as in curl",
    login: true,
    ...proxyUrl(),
  },
  {
    env: "HTTP_PROXY",
    envAliases: ["http_proxy"],
    readOnce: true,
    flag: "proxy.http",
    at: "proxy.http",
    help: "Outbound proxy for `http://` URLs (a plain-HTTP authority or API); `http_proxy` wins",
    login: true,
    ...proxyUrl(),
  },
  {
    env: "NO_PROXY",
    envAliases: ["no_proxy"],
    flag: "proxy.no-proxy",
    at: "proxy.noProxy",
    help: "Hosts that go direct: comma list of names, `.domain` suffixes, IPs, `host:port`, or `*`; `no_proxy` wins",
    login: true,
    ...text("string"),
  },
  {
    env: "COLLECTORS",
    flag: "collectors",
    at: "collectors.list",
    help: "Comma list of collectors (see `--collector.NAME` and the Collectors section); `--collector.NAME` / `--no-collector.NAME` add or remove one; `--demo` runs them all",
    defaultFromCollectors: true,
    ...list(),
  },
  {
    env: "CUSTOMER_GROUP_BY",
    flag: "customer.group-by",
    at: "customer.groupBy",
    help: "The API's `groupby` fields for the customer collectors; fields an endpoint lacks (workloads for deployment) are left out of its request",
    default: DEFAULT_GROUP_BY.join(","),
    ...list(GROUPABLE_FIELDS),
  },
  {
    env: "CUSTOMER_FILTER",
    flag: "customer.filter",
    at: "customer.filter",
    help: "The API's `filter` expression for the customer collectors, passed through (e.g. `serviceCode eq 'o365'`)",
    ...text("string"),
  },
  {
    env: "CUSTOMER_MAX_SERIES",
    flag: "customer.max-series",
    at: "customer.maxSeries",
    help: `Rows a customer collector accepts per poll; ${OVER_THE_CAP}`,
    default: DEFAULT_MAX_SERIES,
    ...integer(1, MAX_SERIES_LIMIT),
  },
  {
    env: "CUSTOMER_PAGE_SIZE",
    flag: "customer.page-size",
    at: "customer.pageSize",
    help: "Rows per page (the API's `top`) for the customer collectors",
    default: String(MAX_PAGE_SIZE),
    ...integer(1, MAX_PAGE_SIZE),
  },
  {
    env: "PARTNER_MAX_SERIES",
    flag: "partner.max-series",
    at: "partner.maxSeries",
    help: `Rows a partner-level collector (\`partner-usage\`, \`partner-deployment\`) accepts per poll; ${OVER_THE_CAP}`,
    default: DEFAULT_MAX_SERIES,
    ...integer(1, MAX_SERIES_LIMIT),
  },
  {
    env: "SUBSCRIPTIONS_REQUESTS_PER_MINUTE",
    flag: "subscriptions.requests-per-minute",
    at: "subscriptions.requestsPerMinute",
    help: "Requests a minute the `customer-subscriptions` crawl makes at most, retries included, in any 60 s window (Partner Center allows 500 per tenant); a 429 slows it down further",
    default: "300",
    ...integer(1, 500),
  },
  {
    env: "SUBSCRIPTIONS_CUSTOMER_FILTER",
    flag: "subscriptions.customer-filter",
    at: "subscriptions.customerFilter",
    help: "Customer tenant ids the `customer-subscriptions` crawl visits, comma-separated; `!id` leaves one out (only `!` items: every customer but those); empty: every customer",
    default: "",
    ...list(),
  },
  {
    env: "SUBSCRIPTIONS_EXCLUDE_OFFERS",
    flag: "subscriptions.exclude-offers",
    at: "subscriptions.excludeOffers",
    help: "Offer ids never exported by `customer-subscriptions` (free or nonprofit SKUs that should never alert), comma-separated; `productId` or `productId:skuId` covers every offer id that starts with it",
    default: "",
    ...list(),
  },
  {
    env: "STATE_DIR",
    flag: "state.dir",
    at: "state.dir",
    help: "Where rotated refresh tokens are persisted (mode 0600)",
    documentedDefault:
      "`$XDG_STATE_HOME/partner-center-exporter` (`~/.local/state/partner-center-exporter`); a temporary directory in `--demo`",
    login: true,
    ...text("path"),
  },
  {
    env: "WEB_LISTEN_ADDRESS",
    flag: "web.listen-address",
    at: "web.listenAddresses",
    help: "`host:port` to serve on; repeat the flag (or give a comma list in the variable) to serve on several",
    default: `:${DEFAULT_PORT}`,
    repeatable: true,
    ...listenAddresses(),
  },
  {
    env: "WEB_SYSTEMD_SOCKET",
    flag: "web.systemd-socket",
    at: "web.systemdSocket",
    help: "Serve on the sockets systemd passes (socket activation: `LISTEN_FDS`, `LISTEN_PID`) instead of `--web.listen-address` (Linux only)",
    default: "false",
    ...boolean(),
  },
  {
    env: "WEB_TELEMETRY_PATH",
    flag: "web.telemetry-path",
    at: "web.telemetryPath",
    help: "Path of the metrics",
    default: "/metrics",
    ...matching(/^\/[^\s?#]+$/, (value) => `${value} must be a path such as /metrics`),
  },
  {
    env: "WEB_CONFIG_FILE",
    flag: "web.config.file",
    at: "web.configFile",
    help: "A web configuration file in the Prometheus exporter-toolkit format: `tls_server_config` (TLS, client certificates), `http_server_config.headers` and `basic_auth_users` (bcrypt hashes) for every endpoint, read as the toolkit reads it (users and headers on every request, TLS on every connection: no restart)",
    ...text("path"),
  },
  {
    env: "LOG_LEVEL",
    flag: "log.level",
    at: "log.level",
    help: "Log level",
    default: "info",
    ...choice(["debug", "info", "warn", "error"]),
  },
  {
    env: "LOG_FORMAT",
    flag: "log.format",
    at: "log.format",
    help: "How log lines look: `pretty` for people, `json` for machines, `auto` pretty on a terminal and JSON otherwise",
    default: "auto",
    ...choice(["auto", "json", "pretty"]),
  },
  {
    env: "DEMO",
    flag: "demo",
    at: "demo",
    help: "Poll the built-in Partner Center simulator on loopback; no credentials needed",
    default: "false",
    ...boolean(),
  },
] as const satisfies readonly SettingSpec[];

export type SettingEntry = (typeof SETTINGS)[number];
export type SettingEnv = SettingEntry["env"];

export function settingNamed(env: SettingEnv): SettingSpec {
  const spec: SettingSpec | undefined = SETTINGS.find((s) => s.env === env);
  if (spec === undefined) throw new Error(`no setting ${env}`);
  return spec;
}
