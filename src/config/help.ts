import { CLOUDS } from "./clouds.js";
import { SETTINGS, type SettingSpec } from "./settings.js";

/** What the help and the README say of a collector (the registry's entries fit). */
export interface CollectorInfo {
  readonly name: string;
  readonly defaultEnabled: boolean;
  readonly description: string;
  readonly families: readonly {
    readonly name: string;
    readonly help?: string;
    readonly labelNames: readonly string[];
  }[];
}

/** One setting as the manual shows it (Markdown); --help and the README render the same rows. */
export interface SettingRow {
  readonly spec: SettingSpec;
  readonly default: string;
  readonly meaning: string;
}

const code = (text: string): string => `\`${text}\``;

function documentedDefault(spec: SettingSpec, collectors: readonly CollectorInfo[]): string {
  if (spec.required) return "required (not in `--demo`)";
  if (spec.documentedDefault !== undefined) return spec.documentedDefault;
  if (spec.defaultFromCollectors) {
    return collectors
      .filter((c) => c.defaultEnabled)
      .map((c) => code(c.name))
      .join(", ");
  }
  if (spec.perCloud !== undefined) {
    return `per \`--cloud\` (${code(CLOUDS.global[spec.perCloud])})`;
  }
  if (spec.default === undefined) return "none";
  const demo = spec.demoDefault === undefined ? "" : ` (${code(spec.demoDefault)} in \`--demo\`)`;
  return `${code(spec.default)}${demo}`;
}

function meaning(spec: SettingSpec): string {
  const choices =
    spec.choices === undefined
      ? ""
      : ` (${spec.kind === "enum" ? "one" : "any"} of ${spec.choices.map(code).join(", ")})`;
  const secret =
    spec.kind === "secret"
      ? ` (secret; \`${spec.env}_FILE\` or \`--${spec.flag}-file\` names a file, ${spec.readOnce ? "read at start-up" : "re-read when it changes"})`
      : "";
  const range = spec.range === undefined ? "" : ` (${spec.range[0]} to ${spec.range[1]})`;
  return `${spec.help}${choices}${range}${secret}`;
}

export function settingRows(collectors: readonly CollectorInfo[]): SettingRow[] {
  return SETTINGS.map((spec: SettingSpec) => ({
    spec,
    default: documentedDefault(spec, collectors),
    meaning: meaning(spec),
  }));
}

/** Markdown to the terminal: the same words without the backticks. */
export const plain = (markdown: string): string => markdown.replaceAll("`", "");

const HELP_WIDTH = 100;
const INDENT = "      ";

/** Words into lines of at most HELP_WIDTH columns, each indented. */
function wrapped(text: string): string[] {
  const lines: string[] = [];
  let line = INDENT;
  for (const word of text.split(" ")) {
    if (line !== INDENT && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = INDENT;
    }
    line = line === INDENT ? `${INDENT}${word}` : `${line} ${word}`;
  }
  return [...lines, line];
}

/** One flag in a help text: its spelling, then what it does and its [details], indented below. */
export function helpEntry(
  flag: string,
  takesValue: boolean,
  text: string,
  details: readonly string[],
): string[] {
  const spelling = `  --${flag}${takesValue ? " VALUE" : ""}`;
  return [spelling, ...wrapped(plain(text)), `${INDENT}[${plain(details.join("; "))}]`];
}

function collectorLines(collectors: readonly CollectorInfo[]): string[] {
  return collectors.flatMap((c) =>
    helpEntry(`[no-]collector.${c.name}`, false, c.description, [
      `default ${c.defaultEnabled ? "on" : "off"}`,
    ]),
  );
}

/** `--help`: every setting with its flag, environment variable and default, then the collectors. */
export function renderHelp(version: string, collectors: readonly CollectorInfo[]): string {
  const lines = [
    `partner-center-exporter ${version}`,
    "Prometheus exporter for Microsoft Partner Center licence usage analytics.",
    "",
    "Usage: partner-center-exporter [flags]",
    "       partner-center-exporter --demo",
    "       partner-center-exporter login [login flags]   (see login --help)",
    "       partner-center-exporter simulator [flags]     (see simulator --help)",
    "",
    "Every flag has an environment variable; flags win. Secrets can also be read from a file:",
    "NAME_FILE=/path (or --flag-file /path). The env-style flag spelling works too (--poll-interval).",
    "",
    "Flags:",
  ];
  for (const row of settingRows(collectors)) {
    const { spec } = row;
    // "required ..." says it all; anything else is the default.
    const fallback = row.default.startsWith("required") ? row.default : `default ${row.default}`;
    const details = [`env ${spec.env}`, fallback];
    lines.push(...helpEntry(spec.flag, spec.kind !== "boolean", row.meaning, details));
  }
  lines.push(
    "  --help",
    "      Show this help",
    "  --version",
    "      Print the version, the git revision and the build date",
  );
  lines.push("", "Collectors:", ...collectorLines(collectors));
  return `${lines.join("\n")}\n`;
}
