import { homedir } from "node:os";
import { join } from "node:path";
import { flagLabel, readFlags } from "./argv.js";
import { clientCredentialProblems } from "./client-credential-rule.js";
import { CLOUD_NAMES, CLOUDS, type CloudName } from "./clouds.js";
import type { Config } from "./config.js";
import type { Report } from "./parsers.js";
import { type ConfigSources, gatherRawValues, type RawValue } from "./raw-values.js";
import { SETTINGS, type SettingEnv, type SettingSpec, settingNamed } from "./settings.js";

export type { CollectorSelection, Config, LogFormat, LogLevel } from "./config.js";
export type { ConfigSources } from "./raw-values.js";

export type LoadResult =
  | { readonly kind: "run"; readonly config: Config; readonly warnings: readonly string[] }
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "invalid"; readonly problems: readonly string[] };

const SPECS: readonly SettingSpec[] = SETTINGS;

/** The default STATE_DIR, following the XDG base directory convention. */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "partner-center-exporter");
}

/** What the exporter suggests when a credential setting is missing. */
export const DEMO_HINT = "use --demo to try the exporter without credentials";

/** The settings other settings' defaults depend on, and what a missing credential suggests. */
interface Context {
  readonly demo: boolean;
  readonly cloud: CloudName;
  readonly withoutCredentials: string;
}

/** The text a setting falls back to when not given: --demo's, the cloud's, or its own default. */
function fallbackText(spec: SettingSpec, context: Context): string | undefined {
  if (context.demo && spec.demoDefault !== undefined) return spec.demoDefault;
  if (spec.perCloud !== undefined) return CLOUDS[context.cloud][spec.perCloud];
  return spec.default;
}

/** One setting's value, parsed from what was given or else from its fallback. */
function settle(
  spec: SettingSpec,
  raw: RawValue | undefined,
  context: Context,
  report: Report,
): unknown {
  if (raw !== undefined && "text" in raw) return spec.parse(raw.text, report);
  const fallback = fallbackText(spec, context);
  if (fallback !== undefined) return spec.parse(fallback, report);
  // A source that already failed has its problem; "required" on top would be a second line.
  if (spec.required && raw === undefined && !context.demo) {
    const file = spec.kind === "secret" ? ` or ${spec.env}_FILE` : "";
    report.problem(`required (set ${spec.env}${file}, or ${context.withoutCredentials})`);
  }
  return spec.required ? "" : undefined;
}

const QUIET: Report = { problem() {}, warning() {} };

/** --demo and --cloud, read first (their own problems are reported in table order). */
function contextOf(raw: ReadonlyMap<SettingSpec, RawValue>, withoutCredentials: string): Context {
  const base: Context = { demo: false, cloud: "global", withoutCredentials };
  const quietly = (spec: SettingSpec): unknown => settle(spec, raw.get(spec), base, QUIET);
  const cloud = quietly(settingNamed("AZURE_CLOUD"));
  return {
    ...base,
    demo: quietly(settingNamed("DEMO")) === true,
    cloud: CLOUD_NAMES.find((name) => name === cloud) ?? base.cloud,
  };
}

/** The values into Config's nesting, each at the place its setting declares, plus what follows. */
function assemble(
  values: ReadonlyMap<SettingSpec, unknown>,
  raw: ReadonlyMap<SettingSpec, RawValue>,
  toggles: ReadonlyMap<string, boolean>,
  context: Context,
): Config {
  const top: Record<string, unknown> = {};
  const sections = new Map<string, Record<string, unknown>>();
  const place = (at: string, value: unknown): void => {
    const [name = at, field] = at.split(".");
    if (field === undefined) top[name] = value;
    else sections.set(name, { ...sections.get(name), [field]: value });
  };
  for (const [spec, value] of values) place(spec.at, value);
  for (const spec of SPECS.filter((s) => s.kind === "secret")) {
    const source = raw.get(spec);
    place(
      `secretFiles.${spec.at.split(".").pop()}`,
      source && "file" in source ? source.file : undefined,
    );
  }
  place("azure.resource", CLOUDS[context.cloud].resource);
  place("collectors.toggles", toggles);
  // Every place the table declares, filled by its own parser: Config's shape by construction.
  return { ...top, ...Object.fromEntries(sections) } as Config;
}

/** A secret pasted into another setting as well is never echoed. */
function masked(problems: readonly string[], raw: ReadonlyMap<SettingSpec, RawValue>): string[] {
  const secrets = SPECS.filter((spec) => spec.kind === "secret")
    .map((spec) => raw.get(spec))
    .flatMap((value) => (value !== undefined && "text" in value ? [value.text] : []))
    .filter((text) => text.length >= 4);
  return problems.map((p) => secrets.reduce((line, s) => line.replaceAll(s, "[REDACTED]"), p));
}

/** Every setting at its default (outside --demo, global cloud, required ones empty). */
export function settingDefaults(): Config {
  const context: Context = { demo: false, cloud: "global", withoutCredentials: DEMO_HINT };
  const values = new Map(SPECS.map((spec) => [spec, settle(spec, undefined, context, QUIET)]));
  return assemble(values, new Map(), new Map(), context);
}

/**
 * Loads every setting of the table from flags (which win), the environment and `NAME_FILE`
 * files: gather, parse, assemble. Problems are collected, one line each, naming the setting.
 */
export function loadConfig(sources: ConfigSources): LoadResult {
  const problems: string[] = [];
  const flags = readFlags(sources.argv, SPECS, problems);
  if (flags.help) return { kind: "help" };
  if (flags.version) return { kind: "version" };
  const raw = gatherRawValues(SPECS, flags.values, sources, problems);
  const context = contextOf(raw, sources.withoutCredentials ?? DEMO_HINT);
  const warnings: string[] = [];
  const values = new Map<SettingSpec, unknown>();
  for (const spec of SPECS) {
    const report: Report = {
      problem: (text) => problems.push(`${flagLabel(spec)}: ${text}`),
      warning: (text) => warnings.push(`${spec.env} ${text}`),
    };
    values.set(spec, settle(spec, raw.get(spec), context, report));
  }
  const given = (env: SettingEnv): boolean => raw.has(settingNamed(env));
  problems.push(...clientCredentialProblems(given, context.demo, context.withoutCredentials));
  if (problems.length > 0) return { kind: "invalid", problems: masked(problems, raw) };
  const config = assemble(values, raw, flags.toggles, context);
  // Tight polling is the demo's point: no advice against it there.
  return { kind: "run", config, warnings: context.demo ? [] : warnings };
}
