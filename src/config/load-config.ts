import { homedir } from "node:os";
import { join } from "node:path";
import { CLOUD_NAMES, CLOUDS, type CloudName } from "./clouds.js";
import { parseDuration } from "./duration.js";
import { type ListenAddress, parseListenAddress } from "./listen-address.js";
import { secretFileText } from "./secret-source.js";
import { flagAliases, SETTINGS, type SettingEnv, type SettingSpec } from "./settings.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "auto" | "json" | "pretty";

export interface Config {
  readonly demo: boolean;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The configured refresh token; the persisted one may take its place at start-up. */
  readonly refreshToken: string | undefined;
  readonly cloud: CloudName;
  readonly authorityHost: string;
  readonly partnerCenterUrl: string;
  /** The API's resource (audience) in the token request, from the cloud. */
  readonly resource: string;
  /** Files the secrets came from (`*_FILE`), re-read when they change. */
  readonly secretFiles: {
    readonly clientSecret: string | undefined;
    readonly refreshToken: string | undefined;
  };
  readonly locale: string;
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  readonly maxRetryAfterMs: number;
  /** undefined: not set; main picks the default (a temporary directory in --demo). */
  readonly stateDir: string | undefined;
  /** The first of listenAddresses. */
  readonly listen: ListenAddress;
  /** --web.listen-address, repeatable (a comma list in WEB_LISTEN_ADDRESS): one listener each. */
  readonly listenAddresses: readonly ListenAddress[];
  /** --web.systemd-socket: serve on the sockets systemd passed instead. */
  readonly systemdSocket: boolean;
  readonly telemetryPath: string;
  /** --web.config.file: TLS and basic auth; undefined serves plain HTTP without auth. */
  readonly webConfigFile: string | undefined;
  readonly collectors: CollectorSelection;
  /** undefined: each customer collector's default grouping. */
  readonly customerGroupBy: readonly string[] | undefined;
  readonly customerFilter: string | undefined;
  readonly customerMaxSeries: number;
  readonly customerPageSize: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

/** Which collectors to run: the COLLECTORS list (or the default), then --collector.X / --no-collector.X. */
export interface CollectorSelection {
  readonly list: readonly string[] | undefined;
  readonly toggles: ReadonlyMap<string, boolean>;
}

/** The fields the commercial endpoints group by (Partner Center's documented dimensions). */
export const GROUPABLE_FIELDS = [
  "customerTenantId",
  "customerName",
  "productId",
  "productName",
  "workloadCode",
  "workloadName",
  "serviceCode",
  "serviceName",
  "channel",
];

export type LoadResult =
  | { readonly kind: "run"; readonly config: Config; readonly warnings: readonly string[] }
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "invalid"; readonly problems: readonly string[] };

export interface ConfigSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
}

const MINUTE_MS = 60_000;
export const DEMO_POLL_INTERVAL_MS = 15_000;
const SPECS: readonly SettingSpec[] = SETTINGS;

/** The default STATE_DIR, following the XDG base directory convention. */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "partner-center-exporter");
}

/** Longer than any honest value of these settings: probably a secret pasted into the wrong one. */
const MAX_ECHOED_LENGTH = 40;

/** A bad value as a problem shows it: quoted, unless it is long enough to be a pasted secret. */
function shown(value: string): string {
  return value.length > MAX_ECHOED_LENGTH
    ? `(a value of ${value.length} characters)`
    : `"${value}"`;
}

function settingLabel(spec: SettingSpec): string {
  return `${spec.env} (--${spec.flag})`;
}

interface FlagValue {
  readonly value: string;
  readonly fromFile: boolean;
}

/** Reads argv into flag values keyed by env name; unknown or malformed flags become problems. */
function parseArgv(
  argv: readonly string[],
  problems: string[],
): {
  values: Map<SettingEnv, FlagValue>;
  toggles: Map<string, boolean>;
  help: boolean;
  version: boolean;
} {
  const byFlag = new Map<string, { spec: SettingSpec; file: boolean }>();
  for (const spec of SETTINGS) {
    for (const alias of flagAliases(spec)) {
      byFlag.set(alias, { spec, file: false });
      if (spec.kind === "secret") byFlag.set(`${alias}-file`, { spec, file: true });
    }
  }
  const values = new Map<SettingEnv, FlagValue>();
  const toggles = new Map<string, boolean>();
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (arg === "--version") {
      version = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      problems.push(`unexpected argument "${arg}" (see --help)`);
      continue;
    }
    const toggle = /^--(no-)?collector\.([a-z0-9-]+)$/.exec(arg);
    if (toggle !== null) {
      toggles.set(toggle[2] ?? "", toggle[1] === undefined);
      continue;
    }
    const eq = arg.indexOf("=");
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let negated = false;
    if (!byFlag.has(name) && name.startsWith("no-")) {
      negated = true;
      name = name.slice(3);
    }
    const entry = byFlag.get(name);
    if (entry === undefined) {
      problems.push(`unknown flag --${name} (see --help)`);
      continue;
    }
    const env = entry.spec.env as SettingEnv;
    if (entry.spec.kind === "boolean") {
      if (negated && inline !== undefined) {
        problems.push(`${settingLabel(entry.spec)}: --no-${name} takes no value`);
        continue;
      }
      values.set(env, { value: negated ? "false" : (inline ?? "true"), fromFile: false });
      continue;
    }
    if (negated) {
      problems.push(`unknown flag --no-${name} (see --help)`);
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        problems.push(`${settingLabel(entry.spec)}: --${name} needs a value`);
        continue;
      }
      inline = next;
      i++;
    }
    const earlier = entry.spec.repeatable ? values.get(env)?.value : undefined;
    values.set(env, {
      value: earlier === undefined ? inline : `${earlier},${inline}`,
      fromFile: entry.file,
    });
  }
  return { values, toggles, help, version };
}

/**
 * Loads and validates every setting from flags (which win), the environment and `NAME_FILE`
 * files. Problems are collected, one line each, naming the setting and never echoing a secret.
 */
export function loadConfig(sources: ConfigSources): LoadResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const { values: flags, toggles, help, version } = parseArgv(sources.argv, problems);
  if (help) return { kind: "help" };
  if (version) return { kind: "version" };

  const raw = new Map<SettingEnv, string>();
  const files = new Map<SettingEnv, string>();
  // Settings whose source already failed: one line per problem, no "required" on top.
  const failed = new Set<SettingEnv>();
  for (const spec of SETTINGS) {
    const env = spec.env as SettingEnv;
    const flag = flags.get(env);
    const label = settingLabel(spec);
    let filePath: string | undefined;
    let fileLabel = "";
    if (flag !== undefined) {
      if (flag.fromFile) {
        filePath = flag.value;
        fileLabel = `--${spec.flag}-file`;
      } else {
        raw.set(env, flag.value);
        continue;
      }
    } else {
      const direct = sources.env[spec.env];
      const fileEnv = spec.kind === "secret" ? sources.env[`${spec.env}_FILE`] : undefined;
      if (direct !== undefined && direct !== "" && fileEnv !== undefined && fileEnv !== "") {
        problems.push(`${label}: set either ${spec.env} or ${spec.env}_FILE, not both`);
        failed.add(env);
        continue;
      }
      if (fileEnv !== undefined && fileEnv !== "") {
        filePath = fileEnv;
        fileLabel = `${spec.env}_FILE`;
      } else if (direct !== undefined && direct !== "") {
        raw.set(env, direct);
        continue;
      }
    }
    if (filePath !== undefined) {
      try {
        const content = secretFileText(sources.readFile(filePath));
        if (content === "") {
          problems.push(`${fileLabel}: ${filePath} is empty`);
          failed.add(env);
        } else {
          raw.set(env, content);
          files.set(env, filePath);
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "read error";
        problems.push(`${fileLabel}: cannot read ${filePath} (${code})`);
        failed.add(env);
      }
    }
  }

  const text = (env: SettingEnv): string | undefined => {
    const value = raw.get(env);
    if (value !== undefined) return value;
    return SPECS.find((s) => s.env === env)?.default;
  };
  const specOf = (env: SettingEnv): SettingSpec => {
    const spec = SPECS.find((s) => s.env === env);
    if (spec === undefined) throw new Error(`no setting ${env}`);
    return spec;
  };

  const bool = (env: SettingEnv): boolean => {
    const value = (text(env) ?? "false").toLowerCase();
    if (["1", "true", "yes", "on"].includes(value)) return true;
    if (["0", "false", "no", "off", ""].includes(value)) return false;
    problems.push(
      `${settingLabel(specOf(env))}: ${shown(value)} is not a boolean (use true or false)`,
    );
    return false;
  };
  const duration = (env: SettingEnv, minMs: number): number => {
    const value = text(env) ?? "";
    const ms = parseDuration(value);
    if (ms === undefined) {
      problems.push(
        `${settingLabel(specOf(env))}: ${shown(value)} is not a duration (examples: 500ms, 30s, 15m, 1h)`,
      );
      return 0;
    }
    if (ms < minMs) {
      problems.push(
        `${settingLabel(specOf(env))}: must be at least ${minMs}ms, got ${shown(value)}`,
      );
    }
    return ms;
  };
  const integer = (env: SettingEnv, min: number, max: number): number => {
    const value = text(env) ?? "";
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(
        `${settingLabel(specOf(env))}: ${shown(value)} is not a whole number from ${min} to ${max}`,
      );
      return min;
    }
    return n;
  };
  const url = (env: SettingEnv): string => {
    const value = text(env) ?? "";
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error("scheme");
      if (parsed.username !== "" || parsed.password !== "") {
        problems.push(`${settingLabel(specOf(env))}: must not carry credentials`);
      }
      return parsed.href.replace(/\/+$/, "");
    } catch {
      problems.push(`${settingLabel(specOf(env))}: ${shown(value)} is not an http(s) URL`);
      return "";
    }
  };
  const choice = <T extends string>(env: SettingEnv, choices: readonly T[]): T => {
    const value = (text(env) ?? "").toLowerCase();
    const found = choices.find((c) => c === value);
    if (found === undefined) {
      problems.push(
        `${settingLabel(specOf(env))}: ${shown(value)} is not one of ${choices.join(", ")}`,
      );
      return choices[0] as T;
    }
    return found;
  };

  const demo = bool("DEMO");
  const required = (env: SettingEnv): string => {
    const value = raw.get(env);
    if (value === undefined && !demo && !failed.has(env)) {
      const spec = specOf(env);
      const fileHint = spec.kind === "secret" ? ` or ${spec.env}_FILE` : "";
      problems.push(
        `${settingLabel(spec)}: required (set ${spec.env}${fileHint}, or use --demo to try the exporter without credentials)`,
      );
    }
    return value ?? "";
  };

  const tenantId = required("AZURE_TENANT_ID");
  if (tenantId !== "" && !/^[A-Za-z0-9.-]+$/.test(tenantId)) {
    problems.push(`${settingLabel(specOf("AZURE_TENANT_ID"))}: must be a tenant id or domain`);
  }
  const clientId = required("AZURE_CLIENT_ID");
  const clientSecret = required("AZURE_CLIENT_SECRET");
  // The demo's data drifts by the minute; an hourly poll would show a flat line.
  const pollIntervalMs =
    demo && !raw.has("POLL_INTERVAL") ? DEMO_POLL_INTERVAL_MS : duration("POLL_INTERVAL", 100);
  if (pollIntervalMs > 0 && pollIntervalMs < MINUTE_MS && !demo) {
    warnings.push(
      `POLL_INTERVAL is ${pollIntervalMs}ms: Partner Center discourages tight polling and its data changes about daily; consider 1h`,
    );
  }
  const listenTexts = (text("WEB_LISTEN_ADDRESS") ?? "").split(",").map((t) => t.trim());
  const listenAddresses = listenTexts.flatMap((listenText) => {
    const address = parseListenAddress(listenText);
    if (address !== undefined) return [address];
    problems.push(
      `${settingLabel(specOf("WEB_LISTEN_ADDRESS"))}: ${shown(listenText)} is not host:port (examples: :9841, 127.0.0.1:9841)`,
    );
    return [];
  });
  const telemetryPath = text("WEB_TELEMETRY_PATH") ?? "/metrics";
  if (!/^\/[^\s?#]*$/.test(telemetryPath) || telemetryPath === "/") {
    problems.push(
      `${settingLabel(specOf("WEB_TELEMETRY_PATH"))}: ${shown(telemetryPath)} must be a path such as /metrics`,
    );
  }
  const locale = text("PARTNER_CENTER_LOCALE") ?? "en-US";
  if (!/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(locale)) {
    problems.push(
      `${settingLabel(specOf("PARTNER_CENTER_LOCALE"))}: ${shown(locale)} is not a locale`,
    );
  }

  const cloud = choice("AZURE_CLOUD", CLOUD_NAMES);
  // An explicit URL wins over the cloud's.
  const cloudUrl = (env: SettingEnv, fallback: string): string =>
    raw.has(env) ? url(env) : fallback;
  const list = (env: SettingEnv): string[] | undefined => {
    const value = raw.get(env);
    if (value === undefined) return undefined;
    return value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  };
  const customerGroupBy = list("CUSTOMER_GROUP_BY");
  for (const field of customerGroupBy ?? []) {
    if (!GROUPABLE_FIELDS.includes(field)) {
      problems.push(
        `${settingLabel(specOf("CUSTOMER_GROUP_BY"))}: "${field}" is not one of ${GROUPABLE_FIELDS.join(", ")}`,
      );
    }
  }
  const config: Config = {
    demo,
    collectors: { list: list("COLLECTORS"), toggles },
    customerGroupBy,
    customerFilter: raw.get("CUSTOMER_FILTER"),
    customerMaxSeries: integer("CUSTOMER_MAX_SERIES", 1, 10_000_000),
    customerPageSize: integer("CUSTOMER_PAGE_SIZE", 1, 10_000),
    cloud,
    resource: CLOUDS[cloud].resource,
    secretFiles: {
      clientSecret: files.get("AZURE_CLIENT_SECRET"),
      refreshToken: files.get("PARTNER_CENTER_REFRESH_TOKEN"),
    },
    tenantId,
    clientId,
    clientSecret,
    refreshToken: raw.get("PARTNER_CENTER_REFRESH_TOKEN"),
    authorityHost: cloudUrl("AZURE_AUTHORITY_HOST", CLOUDS[cloud].authorityHost),
    partnerCenterUrl: cloudUrl("PARTNER_CENTER_URL", CLOUDS[cloud].partnerCenterUrl),
    locale,
    pollIntervalMs,
    pollTimeoutMs: duration("POLL_TIMEOUT", 100),
    requestTimeoutMs: duration("REQUEST_TIMEOUT", 10),
    maxRetries: integer("MAX_RETRIES", 0, 20),
    retryBackoffMs: duration("RETRY_BACKOFF", 1),
    maxRetryAfterMs: duration("MAX_RETRY_AFTER", 0),
    stateDir: raw.get("STATE_DIR"),
    listen: listenAddresses[0] ?? { host: undefined, port: 0 },
    listenAddresses,
    systemdSocket: bool("WEB_SYSTEMD_SOCKET"),
    telemetryPath,
    webConfigFile: raw.get("WEB_CONFIG_FILE"),
    logLevel: choice("LOG_LEVEL", ["debug", "info", "warn", "error"] as const),
    logFormat: choice("LOG_FORMAT", ["auto", "json", "pretty"] as const),
  };
  if (problems.length > 0) {
    // A secret pasted into another setting as well is never echoed.
    const secrets = SPECS.filter((spec) => spec.kind === "secret")
      .map((spec) => raw.get(spec.env as SettingEnv))
      .filter((v): v is string => v !== undefined && v.length >= 4);
    const masked = problems.map((p) =>
      secrets.reduce((line, secret) => line.replaceAll(secret, "[REDACTED]"), p),
    );
    return { kind: "invalid", problems: masked };
  }
  return { kind: "run", config, warnings };
}
