import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  interpolate,
  rangeFunctionsWithoutMatrixSelector,
  syntaxErrors,
  vectorSelectors,
} from "./promql.js";

// Static lint of the bundled Grafana dashboard and its provisioning files.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DASHBOARD_PATH = `${ROOT}grafana/partner-center-exporter.json`;
const PROVISIONING = `${ROOT}grafana/provisioning`;
const PROJECT_URL = "https://github.com/partner-center-exporter/partner-center-exporter";
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax, not a JS template.
const DATASOURCE_VARIABLE = "${datasource}";
// biome-ignore lint/suspicious/noTemplateCurlyInString: the import dialog's input, as Grafana spells it.
const IMPORT_INPUT = "${DS_PROMETHEUS}";
const DATASOURCE = { type: "prometheus", uid: DATASOURCE_VARIABLE };
const LABEL_VARIABLES = ["job", "instance", "channel", "service", "workload"] as const;

interface DatasourceRef {
  readonly type?: string;
  readonly uid?: string;
}

interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly datasource?: DatasourceRef;
}

interface Panel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly description?: string;
  readonly datasource?: DatasourceRef;
  readonly gridPos?: { x: number; y: number; w: number; h: number };
  readonly fieldConfig?: {
    readonly defaults?: {
      readonly unit?: string;
      readonly max?: number;
      readonly thresholds?: { readonly steps?: readonly unknown[] };
    };
  };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}

interface Variable {
  readonly name: string;
  readonly type?: string;
  readonly query?: unknown;
  readonly datasource?: DatasourceRef;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly current?: { readonly text?: unknown; readonly value?: unknown };
}

interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly tags?: readonly string[];
  readonly schemaVersion?: number;
  readonly links?: readonly { readonly url?: string }[];
  readonly __inputs?: readonly { name?: string; type?: string; pluginId?: string }[];
  readonly __requires?: readonly { type?: string; id?: string }[];
  readonly templating?: { readonly list?: readonly Variable[] };
  readonly panels?: readonly Panel[];
}

const dashboardText = readFileSync(DASHBOARD_PATH, "utf8");
const dashboard = JSON.parse(dashboardText) as Dashboard;
const variables = dashboard.templating?.list ?? [];
const allPanels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
const panels = allPanels.filter((p) => p.type !== "row");
const queries = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel, target, expr: target.expr ?? "" })),
);

/**
 * The variables each metric's selectors must filter on, and those they must not: the Service and
 * Workload variables list the values of partner_license_usage_percent (service codes such as
 * "o365"), so the per-service deployment metrics (no workload label) skip Workload, and the
 * per-customer metrics (whose service label is the service's name) skip both; the subscription
 * metrics have none of the three. A variable on a
 * label a metric lacks, or spells differently, would empty its panel on any single value.
 */
function variablesFor(metric: string): {
  readonly wanted: readonly string[];
  readonly forbidden: readonly string[];
} {
  if (metric.startsWith("partner_license_usage_"))
    return { wanted: LABEL_VARIABLES, forbidden: [] };
  if (metric === "partner_license_deployment_percent" || metric === "partner_licenses_sold")
    return { wanted: ["job", "instance", "channel", "service"], forbidden: ["workload"] };
  if (metric.startsWith("partner_customer_subscription_"))
    return { wanted: ["job", "instance"], forbidden: ["channel", "service", "workload"] };
  if (metric.startsWith("partner_customer_"))
    return { wanted: ["job", "instance", "channel"], forbidden: ["service", "workload"] };
  return { wanted: ["job", "instance"], forbidden: [] };
}

/** What Grafana sends with every variable at "All" (allValue `.*`). */
const ALL_VALUES = Object.fromEntries(LABEL_VARIABLES.map((name) => [name, ".*"]));
/** What Grafana sends for a multi-value selection: a regex-escaped alternation. */
const MULTI_VALUES = Object.fromEntries(
  LABEL_VARIABLES.map((name) => [name, "(Exchange|OneDrive for Business|Microsoft Dynamics CRM)"]),
);
/** Markers that show which variable a matcher was filtered on. */
const MARKERS = Object.fromEntries(LABEL_VARIABLES.map((name) => [name, `VAR_${name}`]));

const describeQuery = (panelTitle: string | undefined, refId: string | undefined): string =>
  `panel "${panelTitle}" query ${refId}`;

describe("dashboard metadata", () => {
  it("is one importable dashboard with a stable uid, tags, a recent schema and project links", () => {
    expect(dashboard.uid).toBe("partner-center-exporter");
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.tags?.length).toBeGreaterThan(0);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.links?.some((link) => link.url?.startsWith(PROJECT_URL))).toBe(true);
  });

  it("declares a Prometheus datasource input and its requirements for the import dialog", () => {
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({
        name: "DS_PROMETHEUS",
        type: "datasource",
        pluginId: "prometheus",
      }),
    );
    expect(dashboard.__requires).toContainEqual(expect.objectContaining({ type: "grafana" }));
    expect(dashboard.__requires).toContainEqual(
      expect.objectContaining({ type: "datasource", id: "prometheus" }),
    );
    const panelTypes = new Set(panels.map((p) => p.type));
    const required = new Set(
      (dashboard.__requires ?? []).filter((r) => r.type === "panel").map((r) => r.id),
    );
    expect(required).toEqual(panelTypes);
  });

  it("uses the import input only to preselect the datasource variable", () => {
    const datasourceVariable = variables.find((v) => v.name === "datasource");
    expect(datasourceVariable?.current?.value).toBe(IMPORT_INPUT);
    expect(dashboardText.split(IMPORT_INPUT)).toHaveLength(2);
  });

  it(`never hard-codes a datasource: every datasource reference is ${DATASOURCE_VARIABLE}`, () => {
    const offending: string[] = [];
    const visit = (value: unknown, path: string): void => {
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          visit(item, `${path}[${i}]`);
        });
        return;
      }
      if (value === null || typeof value !== "object") return;
      for (const [key, child] of Object.entries(value)) {
        const childPath = `${path}.${key}`;
        if (key === "datasource") {
          const builtInAnnotations =
            path.startsWith("$.annotations") &&
            JSON.stringify(child) === JSON.stringify({ type: "grafana", uid: "-- Grafana --" });
          const isVariable = JSON.stringify(child) === JSON.stringify(DATASOURCE);
          if (!isVariable && !builtInAnnotations)
            offending.push(`${childPath}: ${JSON.stringify(child)}`);
        } else if (key === "uid" && path !== "$" && !path.endsWith(".datasource")) {
          offending.push(`${childPath}: ${JSON.stringify(child)}`);
        }
        visit(child, childPath);
      }
    };
    visit(dashboard, "$");
    expect(offending).toEqual([]);
  });
});

describe("template variables", () => {
  it("has a Prometheus datasource variable", () => {
    expect(variables.find((v) => v.name === "datasource")).toMatchObject({
      type: "datasource",
      query: "prometheus",
    });
  });

  it.each(LABEL_VARIABLES)("%s is a multi-select label_values query with All", (name) => {
    const variable = variables.find((v) => v.name === name);
    expect(variable).toMatchObject({
      type: "query",
      multi: true,
      includeAll: true,
      datasource: DATASOURCE,
      current: { text: ["All"], value: ["$__all"] },
    });
    const query = String(variable?.query);
    const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
    expect(match, query).not.toBeNull();
    expect(match?.[2]).toBe(name);
    expect(syntaxErrors(interpolate(match?.[1] ?? "", ALL_VALUES))).toEqual([]);
  });

  it("chains variables only on the ones before them", () => {
    variables.forEach((variable, index) => {
      const earlier = new Set(variables.slice(0, index).map((v) => v.name));
      for (const [, name] of String(variable.query).matchAll(/\$\{?(\w+)/g)) {
        expect(earlier.has(name ?? ""), `${variable.name} uses $${name}`).toBe(true);
      }
    });
  });
});

describe("panels", () => {
  it("has the panels the issue asks for", () => {
    const titles = panels.map((p) => p.title ?? "");
    const types = (pattern: RegExp) =>
      panels.filter((p) => pattern.test(p.title ?? "")).map((p) => p.type);
    expect(types(/^Licence usage by workload/)).toEqual(
      expect.arrayContaining(["table", "bargauge"]),
    );
    expect(types(/over time/)).toContain("timeseries");
    expect(queries.some((q) => q.expr.includes("bottomk("))).toBe(true);
    expect(
      queries.some((q) =>
        /time\(\) - partner_license_usage_processed_timestamp_seconds/.test(q.expr),
      ),
    ).toBe(true);
    for (const metric of [
      "partner_center_up",
      "partner_center_last_success_timestamp_seconds",
      "partner_center_poll_duration_seconds",
      "partner_center_poll_errors_total",
      "partner_center_api_requests_total",
      "partner_center_token_refreshes_total",
    ]) {
      expect(
        queries.some((q) => q.expr.includes(metric)),
        metric,
      ).toBe(true);
    }
    expect(titles.length).toBe(new Set(titles).size);
  });

  it("has a Customers row with adoption, unassigned licences and deployment per service", () => {
    const rows = (dashboard.panels ?? []).filter((p) => p.type === "row");
    expect(rows.map((r) => r.title)).toContain("Customers");
    const withQuery = (pattern: RegExp) =>
      panels.filter((p) => (p.targets ?? []).some((t) => pattern.test(t.expr ?? "")));
    // Lowest adoption per customer and workload, qualified == 0 left out (no division by zero).
    const adoption = withQuery(
      /^bottomk\(20, sum by \(customer, customer_id, workload\) \(partner_customer_licenses_active\{/,
    );
    expect(adoption.map((p) => p.type)).toEqual(["table"]);
    expect(adoption[0]?.fieldConfig?.defaults?.unit).toBe("percent");
    expect(adoption[0]?.targets?.[0]?.expr ?? "", "guards against qualified == 0").toMatch(
      /\(sum by \([^)]*\) \(partner_customer_licenses_qualified\{[^}]*\}\) > 0\)/,
    );
    // Licences sold but not deployed, per customer and service.
    const unassigned = withQuery(
      /^topk\(20, sum by \(customer, customer_id, service\) \(partner_customer_licenses_sold\{[^}]*\} - partner_customer_licenses_deployed\{/,
    );
    expect(unassigned.map((p) => p.type)).toEqual(["table"]);
    expect(["none", "short"]).toContain(unassigned[0]?.fieldConfig?.defaults?.unit);
    // Deployment percent per service, which can exceed 100.
    const deployment = withQuery(/partner_license_deployment_percent\{/);
    expect(deployment.map((p) => p.type)).toEqual(["bargauge"]);
    expect(deployment[0]?.fieldConfig?.defaults?.unit).toBe("percent");
    // Collector health, in the health row.
    for (const metric of [
      "partner_center_collector_success",
      "partner_center_collector_last_success_timestamp_seconds",
      "partner_center_collector_duration_seconds",
    ]) {
      expect(
        panels.some(
          (p) => p.type === "table" && (p.targets ?? []).some((t) => t.expr?.includes(metric)),
        ),
        metric,
      ).toBe(true);
    }
  });

  it("has a Renewals row: days to term end, open reduction windows, seats renewing vs active", () => {
    const rows = (dashboard.panels ?? []).filter((p) => p.type === "row");
    expect(rows.map((r) => r.title)).toEqual([
      "Licence usage",
      "Customers",
      "Renewals",
      "Exporter health",
    ]);
    const reads = (panel: Panel | undefined, metric: string) =>
      (panel?.targets ?? []).some((t) => (t.expr ?? "").includes(metric));
    const titled = (title: string) => panels.find((p) => p.title === title);
    const byTermEnd = titled("Subscriptions by days to term end");
    expect(byTermEnd?.type).toBe("table");
    expect(byTermEnd?.fieldConfig?.defaults?.unit).toBe("d");
    expect(reads(byTermEnd, "partner_customer_subscription_term_end_timestamp_seconds")).toBe(true);
    expect(reads(byTermEnd, "partner_customer_subscription_auto_renew")).toBe(true);
    const windows = titled("Open reduction windows");
    expect(windows?.fieldConfig?.defaults?.unit).toBe("h");
    expect(
      reads(windows, "partner_customer_subscription_cancellation_allowed_until_timestamp_seconds"),
    ).toBe(true);
    expect(reads(windows, "partner_customer_subscription_refundable_licenses")).toBe(true);
    const perCustomer = titled("Seats renewing vs active licences per customer");
    expect(reads(perCustomer, "partner_customer_subscription_renewal_licenses")).toBe(true);
    expect(reads(perCustomer, "partner_customer_licenses_active")).toBe(true);
    // Names come from the info metric, and usage joins on the customer tenant id.
    for (const panel of [byTermEnd, windows, perCustomer]) {
      expect(reads(panel, "partner_customer_subscription_info"), panel?.title).toBe(true);
      if (reads(panel, "partner_customer_licenses_"))
        expect(
          (panel?.targets ?? []).some((t) =>
            (t.expr ?? "").includes("on (job, instance, customer_id) group_left"),
          ),
          panel?.title,
        ).toBe(true);
    }
  });

  it("keeps each row's panels below it and above the next row", () => {
    const top = dashboard.panels ?? [];
    const rowYs = top.filter((p) => p.type === "row").map((p) => p.gridPos?.y ?? 0);
    let row = -1;
    for (const panel of top) {
      if (panel.type === "row") {
        row++;
        continue;
      }
      const y = panel.gridPos?.y ?? 0;
      expect(y, panel.title).toBeGreaterThan(rowYs[row] ?? -1);
      expect(y, panel.title).toBeLessThan(rowYs[row + 1] ?? Number.POSITIVE_INFINITY);
    }
  });

  it.each(panels.map((p) => [p.title, p]))(
    "%s has a description, a unit and thresholds",
    (_, panel) => {
      expect(panel.description?.trim()).toBeTruthy();
      expect(panel.fieldConfig?.defaults?.unit).toBeTruthy();
      expect(panel.fieldConfig?.defaults?.thresholds?.steps?.length).toBeGreaterThan(0);
      expect(panel.datasource).toEqual(DATASOURCE);
      expect(panel.targets?.length).toBeGreaterThan(0);
    },
  );

  it("never caps licence usage, adoption or deployment at 100%", () => {
    for (const { panel, expr } of queries) {
      if (!/partner_license_(usage|deployment)_percent|partner_customer_licenses_active/.test(expr))
        continue;
      const max = panel.fieldConfig?.defaults?.max;
      expect(max === undefined || max > 100, `${panel.title}: max ${max}`).toBe(true);
    }
  });

  it("has unique ids and no overlapping panels in a 24-column grid", () => {
    const ids = allPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const panel of allPanels) {
      const pos = panel.gridPos;
      expect(pos, panel.title).toBeDefined();
      if (pos === undefined) continue;
      expect(pos.x + pos.w, panel.title).toBeLessThanOrEqual(24);
      for (let x = pos.x; x < pos.x + pos.w; x++) {
        for (let y = pos.y; y < pos.y + pos.h; y++) {
          const taken = cells.get(`${x},${y}`);
          expect(taken, `${panel.title} overlaps ${taken}`).toBeUndefined();
          cells.set(`${x},${y}`, panel.title ?? "");
        }
      }
    }
  });
});

describe("queries", () => {
  const cases = queries.map((q) => [describeQuery(q.panel.title, q.target.refId), q] as const);

  it.each(cases)(`%s uses the ${DATASOURCE_VARIABLE} datasource`, (_, { target }) => {
    expect(target.datasource ?? DATASOURCE).toEqual(DATASOURCE);
    expect(target.refId).toMatch(/^[A-Z]$/);
    expect(target.expr).not.toContain("datasource");
  });

  it.each(cases)("%s parses as PromQL once Grafana interpolates it", (_, { expr }) => {
    expect(expr.trim()).not.toBe("");
    expect(syntaxErrors(interpolate(expr, ALL_VALUES))).toEqual([]);
    expect(syntaxErrors(interpolate(expr, MULTI_VALUES))).toEqual([]);
  });

  it.each(cases)("%s uses $__rate_interval for every range", (_, { expr }) => {
    const ranges = [...expr.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
    for (const range of ranges) expect(range).toBe("$__rate_interval");
    expect(rangeFunctionsWithoutMatrixSelector(interpolate(expr, ALL_VALUES))).toEqual([]);
  });

  it.each(cases)("%s filters every selector on the dashboard's variables", (_, { expr }) => {
    for (const selector of vectorSelectors(interpolate(expr, MARKERS))) {
      const { wanted, forbidden } = variablesFor(selector.metric);
      for (const label of wanted) {
        expect(selector.matchers, `${selector.metric} on ${label}`).toContainEqual({
          name: label,
          op: "=~",
          value: `VAR_${label}`,
        });
      }
      for (const label of forbidden) {
        expect(
          selector.matchers.filter((m) => m.value.includes(`VAR_${label}`)),
          `${selector.metric} must not filter on $${label}`,
        ).toEqual([]);
      }
    }
  });
});

describe("provisioning", () => {
  it("provisions a Prometheus datasource", () => {
    const config = parseYaml(
      readFileSync(`${PROVISIONING}/datasources/prometheus.yml`, "utf8"),
    ) as {
      apiVersion?: number;
      datasources?: { type?: string; url?: string; access?: string }[];
    };
    expect(config.apiVersion).toBe(1);
    expect(config.datasources).toHaveLength(1);
    expect(config.datasources?.[0]).toMatchObject({ type: "prometheus", access: "proxy" });
    expect(config.datasources?.[0]?.url).toMatch(/^https?:\/\//);
  });

  it("provisions dashboards from a folder and says where the JSON goes", () => {
    const text = readFileSync(`${PROVISIONING}/dashboards/partner-center-exporter.yml`, "utf8");
    const config = parseYaml(text) as {
      apiVersion?: number;
      providers?: { type?: string; folder?: string; options?: { path?: string } }[];
    };
    expect(config.apiVersion).toBe(1);
    const provider = config.providers?.[0];
    expect(provider?.type).toBe("file");
    expect(provider?.folder).toBeTruthy();
    const path = provider?.options?.path ?? "";
    expect(path).toMatch(/^\/.+[^/]$/);
    expect(path).not.toMatch(/\.json$/);
    expect(text).toContain("partner-center-exporter.json");
    expect(text).toContain(path);
  });
});
