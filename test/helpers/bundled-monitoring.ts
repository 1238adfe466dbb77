import { readFile } from "node:fs/promises";
import { expect } from "vitest";
import { parse, stringify } from "yaml";
import { interpolate, syntaxErrors, vectorSelectors } from "../grafana/promql.js";

// The bundled rules and dashboard on a real Prometheus: the rules firing without their `for:`,
// the dashboard's queries run the way Grafana runs them (variables resolved in order with
// label_values, then every target interpolated and sent).

export interface Panel {
  readonly title: string;
  readonly type: string;
  readonly targets?: readonly {
    readonly refId: string;
    readonly expr: string;
    readonly instant?: boolean;
  }[];
  readonly panels?: readonly Panel[];
}

export interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating: {
    readonly list: readonly { name: string; type: string; query?: string; allValue?: string }[];
  };
}

/** One target of a panel, interpolated, with the metrics it reads and what Prometheus answered. */
export interface QueryResult {
  readonly panel: string;
  /** The title of the row the panel sits under. */
  readonly row: string;
  readonly refId: string;
  readonly expr: string;
  readonly metrics: readonly string[];
  readonly result: readonly PromSample[];
}

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value?: readonly [number, string];
  readonly values?: readonly (readonly [number, string])[];
}

/**
 * The bundled rules (deploy/prometheus) as a rule file's text, every `for` at 0s: promtool's unit
 * tests cover the durations, a real Prometheus the expressions on real data.
 */
export async function bundledRulesFiringAtOnce(): Promise<string> {
  const rules = parse(
    await readFile(
      new URL("../../deploy/prometheus/partner-center-exporter.rules.yml", import.meta.url),
      "utf8",
    ),
  ) as { groups: { rules: { for?: string }[] }[] };
  for (const group of rules.groups) for (const rule of group.rules) if (rule.for) rule.for = "0s";
  return stringify(rules);
}

const readDashboard = async (): Promise<Dashboard> =>
  JSON.parse(
    await readFile(new URL("../../grafana/partner-center-exporter.json", import.meta.url), "utf8"),
  ) as Dashboard;

/** GET /api/v1/<path> of a Prometheus; the `data` (or `data.result`) of a successful answer. */
export async function promQuery(
  prometheusUrl: string,
  path: string,
  params: Readonly<Record<string, string>>,
): Promise<unknown[]> {
  const url = new URL(`/api/v1/${path}`, prometheusUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const body = (await (await fetch(url)).json()) as {
    status: string;
    data: unknown;
    error?: string;
  };
  if (body.status !== "success")
    throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
  const data = body.data as { result?: unknown[] } | unknown[];
  return Array.isArray(data) ? data : (data.result ?? []);
}

/**
 * Escapes a value the way Grafana's Prometheus datasource does for a regex-matched (`=~`)
 * variable: a regex escape, itself escaped for the PromQL string literal.
 */
function regexEscape(value: string): string {
  return value.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]'+?.()|]/g, "\\\\$&");
}

/** Resolves the dashboard's variables in order, as Grafana does, choosing "All" or the first value. */
async function variableValues(
  prometheusUrl: string,
  dashboard: Dashboard,
  choice: "all" | "first",
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const variable of dashboard.templating.list) {
    if (variable.type !== "query" || variable.query === undefined) continue;
    const match = /^label_values\((.*),\s*(\w+)\)$/.exec(variable.query);
    if (match === null) throw new Error(`unexpected variable query ${variable.query}`);
    const selector = interpolate(match[1] ?? "", values);
    const found = (await promQuery(prometheusUrl, `label/${match[2]}/values`, {
      "match[]": selector,
    })) as string[];
    expect(found.length, `variable ${variable.name} (${selector}) has values`).toBeGreaterThan(0);
    values[variable.name] =
      choice === "all"
        ? (variable.allValue ?? `(${found.map(regexEscape).join("|")})`)
        : regexEscape(found[0] ?? "");
  }
  return values;
}

/** Every target of the dashboard, instant or over the last minute, with the row it sits in. */
async function runDashboardQueries(
  prometheusUrl: string,
  dashboard: Dashboard,
  values: Readonly<Record<string, string>>,
): Promise<QueryResult[]> {
  const now = Date.now() / 1000;
  const results: QueryResult[] = [];
  let row = "";
  const visit = async (panel: Panel): Promise<void> => {
    if (panel.type === "row") row = panel.title;
    for (const target of panel.targets ?? []) {
      const expr = interpolate(target.expr, values);
      expect(syntaxErrors(expr), expr).toEqual([]);
      const result = target.instant
        ? await promQuery(prometheusUrl, "query", { query: expr })
        : await promQuery(prometheusUrl, "query_range", {
            query: expr,
            start: String(now - 60),
            end: String(now),
            step: "1",
          });
      const metrics = [...new Set(vectorSelectors(expr).map((s) => s.metric))];
      results.push({
        panel: panel.title,
        row,
        refId: target.refId,
        expr,
        metrics,
        result: result as PromSample[],
      });
    }
    for (const child of panel.panels ?? []) await visit(child);
  };
  for (const panel of dashboard.panels) await visit(panel);
  return results;
}

/** The whole dashboard run against a Prometheus with the variables set to "All" or their first value. */
export async function runDashboard(
  prometheusUrl: string,
  choice: "all" | "first",
): Promise<QueryResult[]> {
  const dashboard = await readDashboard();
  const values = await variableValues(prometheusUrl, dashboard, choice);
  return runDashboardQueries(prometheusUrl, dashboard, values);
}
