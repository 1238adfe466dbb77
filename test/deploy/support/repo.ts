import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { SETTINGS } from "../../../src/config/settings.js";

/** The repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export const CHART_DIR = `${ROOT}deploy/helm/partner-center-exporter`;
export const RULES_FILE = "deploy/prometheus/partner-center-exporter.rules.yml";
export const DASHBOARD_FILE = "grafana/partner-center-exporter.json";

export function readText(relative: string): string {
  return readFileSync(`${ROOT}${relative}`, "utf8");
}

/** Parses one YAML document strictly: a duplicate key or any warning is an error. */
export function parseYaml(text: string, source: string): unknown {
  try {
    return parse(text, { strict: true, uniqueKeys: true, prettyErrors: true }) as unknown;
  } catch (error) {
    throw new Error(`${source}: ${(error as Error).message}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface PackageJson {
  readonly version: string;
  readonly license: string;
  readonly bin: Readonly<Record<string, string>>;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly repository: { readonly url: string };
  readonly scripts: Readonly<Record<string, string>>;
}

export const PACKAGE = JSON.parse(readText("package.json")) as PackageJson;

/** The GitHub page of the project, from package.json's repository URL. */
export const PROJECT_URL = PACKAGE.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");

/** The job name the alert rules expect (PartnerCenterExporterDown's `up{job="..."}`). */
export function expectedJobName(): string {
  const match = /up\{job="([^"]+)"\}/.exec(readText(RULES_FILE));
  if (match?.[1] === undefined) throw new Error(`${RULES_FILE}: no up{job="..."} selector`);
  return match[1];
}

/**
 * Settings the product contract (spec.md's settings table) names, which the chart and manifests
 * wire by those names whether or not src/config/settings.ts lists them yet. `secret`: has a _FILE
 * form.
 */
export const CONTRACT_SETTINGS: readonly { readonly env: string; readonly secret: boolean }[] = [
  { env: "AZURE_CLIENT_CERTIFICATE_PATH", secret: false },
  { env: "AZURE_CLIENT_CERTIFICATE_PASSWORD", secret: true },
  { env: "AZURE_FEDERATED_TOKEN_FILE", secret: false },
  { env: "HTTPS_PROXY", secret: false },
  { env: "HTTP_PROXY", secret: false },
  { env: "NO_PROXY", secret: false },
];

export const SETTING_ENVS: ReadonlySet<string> = new Set([
  ...SETTINGS.map((s) => s.env),
  ...CONTRACT_SETTINGS.map((s) => s.env),
]);
export const SECRET_ENVS: ReadonlySet<string> = new Set([
  ...SETTINGS.filter((s) => s.kind === "secret").map((s) => s.env),
  ...CONTRACT_SETTINGS.filter((s) => s.secret).map((s) => s.env),
]);
export const REQUIRED_ENVS: readonly string[] = SETTINGS.filter(
  (s) => "required" in s && s.required === true,
).map((s) => s.env);

export function settingDefault(env: string): string {
  const spec = SETTINGS.find((s) => s.env === env);
  if (spec === undefined || !("default" in spec)) throw new Error(`no default for ${env}`);
  return spec.default;
}
