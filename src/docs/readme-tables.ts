import { ALL_COLLECTORS } from "../collectors/index.js";
import { type CollectorInfo, settingRows } from "../config/help.js";
import { SELF_METRICS, type SelfMetricDeclaration } from "../metrics/self-metrics.js";

/** The manual's generated tables (docs/settings.md, docs/metrics.md), from the settings table and the collector registry. */
const code = (text: string): string => `\`${text}\``;
const row = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(header), row(header.map(() => "---")), ...rows.map(row)].join("\n");
}

export function settingsTable(collectors: readonly CollectorInfo[] = ALL_COLLECTORS): string {
  return table(
    ["Environment", "Flag", "Default", "Meaning"],
    settingRows(collectors).map((r) => [
      code(r.spec.env),
      code(`--${r.spec.flag}`),
      r.default,
      r.meaning,
    ]),
  );
}

export function collectorsTable(collectors: readonly CollectorInfo[] = ALL_COLLECTORS): string {
  return table(
    ["Collector", "Default", "What it reads", "Metrics (labels)"],
    collectors.map((c) => [
      code(c.name),
      c.defaultEnabled ? "on" : "off",
      c.description,
      c.families.map((f) => code(`${f.name}{${f.labelNames.join(",")}}`)).join(", "),
    ]),
  );
}

/** The values a label takes from the start (reasons, results), said once in the table. */
function startValues(metric: SelfMetricDeclaration): string {
  const series = metric.start({ collectors: ALL_COLLECTORS, version: "" });
  const parts = metric.labelNames
    .filter((label) => label !== "collector")
    .flatMap((label) => {
      const values = [...new Set(series.map((s) => s.labels[label] ?? ""))].filter((v) => v !== "");
      return values.length > 1 ? [`${code(label)}: ${values.map(code).join(", ")}`] : [];
    });
  return parts.length === 0 ? "" : ` (${parts.join("; ")})`;
}

const PROCESS_ROW = [
  "`process_*`, `nodejs_*`",
  "",
  "",
  "Node.js process metrics from prom-client, read at most once a second (without its `*_total` gauges, which break naming rules)",
];

/** The default collectors' families, then the exporter's own metrics (SELF_METRICS), in order. */
export function metricsTable(collectors: readonly CollectorInfo[] = ALL_COLLECTORS): string {
  const labels = (names: readonly string[]): string => names.map(code).join(", ");
  const families = collectors
    .filter((c) => c.defaultEnabled)
    .flatMap((c) => c.families)
    .map((f) => [code(f.name), "gauge", labels(f.labelNames), f.help ?? ""]);
  const own = SELF_METRICS.map((m: SelfMetricDeclaration) => [
    code(m.name),
    m.type,
    labels(m.labelNames),
    startValues(m) === "" ? m.help : `${m.help.replace(/\.$/, "")}${startValues(m)}.`,
  ]);
  return table(["Metric", "Type", "Labels", "Meaning"], [...families, ...own, PROCESS_ROW]);
}

const TABLES: Readonly<Record<string, () => string>> = {
  settings: () => settingsTable(),
  collectors: () => collectorsTable(),
  metrics: () => metricsTable(),
};

/** Where each generated table lives (paths from the repository's root). */
export const GENERATED_DOCS: Readonly<Record<string, readonly (keyof typeof TABLES)[]>> = {
  "docs/settings.md": ["settings"],
  "docs/metrics.md": ["metrics", "collectors"],
};

/** A document with each of its generated blocks (between their markers) rewritten from the source. */
export function renderDoc(path: string, text: string): string {
  let out = text;
  for (const name of GENERATED_DOCS[path] ?? []) {
    const begin = `<!-- generated: ${name} (npm run readme) -->`;
    const end = `<!-- end generated: ${name} -->`;
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from === -1 || to < from) throw new Error(`${path}: no ${begin} ... ${end} block`);
    out = `${out.slice(0, from + begin.length)}\n${TABLES[name]?.() ?? ""}\n${out.slice(to)}`;
  }
  return out;
}
