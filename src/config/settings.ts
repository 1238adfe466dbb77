/** The exporter's settings: one table, read by the loader, `--help` and the README check. */

export type SettingKind =
  | "string"
  | "secret"
  | "url"
  | "duration"
  | "integer"
  | "listen"
  | "enum"
  | "boolean"
  | "path";

export interface SettingSpec {
  /** Environment variable name; secrets are also read from `${env}_FILE`. */
  readonly env: string;
  /** Canonical flag, without the leading dashes. */
  readonly flag: string;
  readonly kind: SettingKind;
  readonly help: string;
  /** Default as text; absent means "no default". */
  readonly default?: string;
  readonly choices?: readonly string[];
  /** Required to talk to the real Partner Center (not in --demo). */
  readonly required?: boolean;
  /** The flag may be given several times; the values join as a comma list, as in the env var. */
  readonly repeatable?: boolean;
}

export const DEFAULT_PORT = 9841;

export const SETTINGS = [
  {
    env: "AZURE_TENANT_ID",
    flag: "azure.tenant-id",
    kind: "string",
    help: "Partner's Entra ID tenant (id or domain)",
    required: true,
  },
  {
    env: "AZURE_CLIENT_ID",
    flag: "azure.client-id",
    kind: "string",
    help: "Client id of the app registration",
    required: true,
  },
  {
    env: "AZURE_CLIENT_SECRET",
    flag: "azure.client-secret",
    kind: "secret",
    help: "Client secret of the app registration (a *_FILE is re-read when it changes)",
    required: true,
  },
  {
    env: "PARTNER_CENTER_REFRESH_TOKEN",
    flag: "partner-center.refresh-token",
    kind: "secret",
    help: "App+User refresh token (the first one; rotated ones are persisted under STATE_DIR). Optional when STATE_DIR already holds one; a *_FILE is re-read when it changes",
  },
  {
    env: "AZURE_CLOUD",
    flag: "cloud",
    kind: "enum",
    help: "Which cloud: global, usgov or china (21Vianet); picks the authority and API URL unless they are set",
    default: "global",
    choices: ["global", "usgov", "china"],
  },
  {
    env: "AZURE_AUTHORITY_HOST",
    flag: "azure.authority-host",
    kind: "url",
    help: "Token authority",
    default: "https://login.microsoftonline.com (per --cloud)",
  },
  {
    env: "PARTNER_CENTER_URL",
    flag: "partner-center.url",
    kind: "url",
    help: "Partner Center API base URL",
    default: "https://api.partnercenter.microsoft.com (per --cloud)",
  },
  {
    env: "PARTNER_CENTER_LOCALE",
    flag: "partner-center.locale",
    kind: "string",
    help: "X-Locale header sent to Partner Center",
    default: "en-US",
  },
  {
    env: "POLL_INTERVAL",
    flag: "poll.interval",
    kind: "duration",
    help: "Time between polls (500ms, 30s, 15m, 1h); under a minute is allowed with a warning; --demo defaults to 15s",
    default: "1h",
  },
  {
    env: "POLL_TIMEOUT",
    flag: "poll.timeout",
    kind: "duration",
    help: "Deadline for a whole poll, retries included",
    default: "5m",
  },
  {
    env: "REQUEST_TIMEOUT",
    flag: "partner-center.request-timeout",
    kind: "duration",
    help: "Timeout of one HTTP request to Partner Center or the token authority",
    default: "30s",
  },
  {
    env: "MAX_RETRIES",
    flag: "partner-center.max-retries",
    kind: "integer",
    help: "Retries of one request on 429, 5xx, timeouts and network errors",
    default: "3",
  },
  {
    env: "RETRY_BACKOFF",
    flag: "partner-center.retry-backoff",
    kind: "duration",
    help: "First retry delay; doubles on each retry, with jitter, up to 30s",
    default: "1s",
  },
  {
    env: "MAX_RETRY_AFTER",
    flag: "partner-center.max-retry-after",
    kind: "duration",
    help: "Cap on how long a Retry-After header makes a retry wait",
    default: "2m",
  },
  {
    env: "COLLECTORS",
    flag: "collectors",
    kind: "string",
    help: "Comma list of collectors to run (partner-usage, partner-deployment, customer-usage, customer-deployment); --collector.NAME and --no-collector.NAME add or remove one; --demo runs them all",
    default: "partner-usage",
  },
  {
    env: "CUSTOMER_GROUP_BY",
    flag: "customer.group-by",
    kind: "string",
    help: "groupby fields for the customer collectors (customerTenantId, customerName, productId, productName, workloadCode, workloadName, serviceCode, serviceName, channel); fields an endpoint lacks are left out",
    default:
      "customerTenantId,customerName,workloadCode,workloadName,serviceCode,serviceName,channel",
  },
  {
    env: "CUSTOMER_FILTER",
    flag: "customer.filter",
    kind: "string",
    help: "filter expression for the customer collectors, passed through (e.g. \"serviceCode eq 'o365'\")",
  },
  {
    env: "CUSTOMER_MAX_SERIES",
    flag: "customer.max-series",
    kind: "integer",
    help: "Rows a customer collector accepts per poll; more fails the poll (never a silent truncation)",
    default: "50000",
  },
  {
    env: "CUSTOMER_PAGE_SIZE",
    flag: "customer.page-size",
    kind: "integer",
    help: "Rows per page (the API's top) for the customer collectors, at most 10000",
    default: "10000",
  },
  {
    env: "STATE_DIR",
    flag: "state.dir",
    kind: "path",
    help: "Where rotated refresh tokens are persisted (mode 0600); --demo uses a temporary one unless set",
    default: "$XDG_STATE_HOME/partner-center-exporter (~/.local/state/partner-center-exporter)",
  },
  {
    env: "WEB_LISTEN_ADDRESS",
    flag: "web.listen-address",
    kind: "listen",
    help: "host:port to serve on; repeat the flag (or give a comma list) to serve on several",
    default: `:${DEFAULT_PORT}`,
    repeatable: true,
  },
  {
    env: "WEB_SYSTEMD_SOCKET",
    flag: "web.systemd-socket",
    kind: "boolean",
    help: "Serve on the sockets systemd passes (socket activation: LISTEN_FDS, LISTEN_PID) instead of --web.listen-address (Linux only)",
    default: "false",
  },
  {
    env: "WEB_TELEMETRY_PATH",
    flag: "web.telemetry-path",
    kind: "string",
    help: "Path under which metrics are served",
    default: "/metrics",
  },
  {
    env: "WEB_CONFIG_FILE",
    flag: "web.config.file",
    kind: "path",
    help: "Web configuration file (Prometheus exporter-toolkit format) for TLS and basic auth on every endpoint",
  },
  {
    env: "LOG_LEVEL",
    flag: "log.level",
    kind: "enum",
    help: "Log level",
    default: "info",
    choices: ["debug", "info", "warn", "error"],
  },
  {
    env: "LOG_FORMAT",
    flag: "log.format",
    kind: "enum",
    help: "json, or pretty for people; auto is pretty on a terminal and json otherwise",
    default: "auto",
    choices: ["auto", "json", "pretty"],
  },
  {
    env: "DEMO",
    flag: "demo",
    kind: "boolean",
    help: "Start the built-in Partner Center simulator on loopback and poll it; no credentials needed",
    default: "false",
  },
] as const satisfies readonly SettingSpec[];

export type SettingEnv = (typeof SETTINGS)[number]["env"];

/** The env-style spelling of a flag is accepted too: --poll-interval for --poll.interval. */
export function flagAliases(spec: SettingSpec): string[] {
  const kebab = spec.env.toLowerCase().replaceAll("_", "-");
  return kebab === spec.flag ? [spec.flag] : [spec.flag, kebab];
}
