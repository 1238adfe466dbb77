/**
 * The whole product with real servers: simulator -> exporter (the built CLI) -> Prometheus (the
 * bundled rules) -> Alertmanager (the bundled example configuration), and every dashboard query
 * run against that Prometheus. Prometheus and Alertmanager come from Debian's packages; a missing
 * binary fails the test.
 */

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { demoUsageItems } from "../../src/simulator/demo-data.js";
import { PartnerCenterSimulator } from "../../src/simulator/simulator.js";
import { interpolate, syntaxErrors } from "../grafana/promql.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import {
  type RealServer,
  startAlertmanager,
  startPrometheus,
  waitUntil,
} from "../helpers/real-servers.js";

const root = new URL("../../", import.meta.url);
const JOB = "partner-center-exporter";
const WAIT_MS = 30_000;

interface Rule {
  alert?: string;
  for?: string;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface Panel {
  title: string;
  type: string;
  targets?: { expr: string; instant?: boolean }[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string; allValue?: string }[] };
}
interface AmAlert {
  labels: Record<string, string>;
  status: { state: string };
}

let simulator: PartnerCenterSimulator;
let exporter: Spawned;
let prometheus: RealServer;
let alertmanager: RealServer;
let webhook: Server;
let stateDir: string;

async function promQuery(path: string, params: Record<string, string>): Promise<unknown[]> {
  const url = new URL(`/api/v1/${path}`, prometheus.url);
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

async function activeAlerts(): Promise<AmAlert[]> {
  const response = await fetch(`${alertmanager.url}/api/v2/alerts`);
  return (await response.json()) as AmAlert[];
}

function hasAlert(alerts: AmAlert[], name: string, labels: Record<string, string> = {}): boolean {
  return alerts.some(
    (a) =>
      a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v),
  );
}

beforeAll(async () => {
  // Alertmanager's receivers point at a local webhook: nothing leaves the machine.
  webhook = createServer((req, res) => {
    req.resume();
    res.end();
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  const hook = webhook.address() as AddressInfo;
  const amConfig = (
    await readFile(new URL("deploy/alertmanager/alertmanager.yml", root), "utf8")
  ).replace(/https:\/\/[^\s]+\.invalid\/[^\s]*/g, `http://127.0.0.1:${hook.port}/`);
  alertmanager = await startAlertmanager(amConfig);

  simulator = new PartnerCenterSimulator();
  const simUrl = await simulator.start();
  stateDir = await mkdtemp(join(tmpdir(), "pce-e2e-"));
  exporter = spawnCli(["--log.format=json"], {
    AZURE_TENANT_ID: simulator.tenantId,
    AZURE_CLIENT_ID: simulator.clientId,
    AZURE_CLIENT_SECRET: simulator.clientSecret,
    PARTNER_CENTER_REFRESH_TOKEN: simulator.initialRefreshToken,
    AZURE_AUTHORITY_HOST: simUrl,
    PARTNER_CENTER_URL: simUrl,
    STATE_DIR: stateDir,
    POLL_INTERVAL: "1s",
    MAX_RETRIES: "0",
    WEB_LISTEN_ADDRESS: "127.0.0.1:0",
    COLLECTORS: "partner-usage,partner-deployment,customer-usage,customer-deployment",
  });
  const listening = await exporter.waitFor(/partner-center-exporter listening/, WAIT_MS);
  const exporterAddress = new URL((JSON.parse(listening) as { url: string }).url).host;
  await exporter.waitFor(/"msg":"poll succeeded"/, WAIT_MS);

  // The bundled rules, with every `for` at 0s: promtool's unit tests cover the durations; here
  // the expressions meet real data.
  const rules = parse(
    await readFile(new URL("deploy/prometheus/partner-center-exporter.rules.yml", root), "utf8"),
  ) as RuleFile;
  for (const group of rules.groups) for (const rule of group.rules) if (rule.for) rule.for = "0s";
  prometheus = await startPrometheus(
    stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: ["rules.yml"],
      alerting: {
        alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanager.url).host] }] }],
      },
      scrape_configs: [{ job_name: JOB, static_configs: [{ targets: [exporterAddress] }] }],
    }),
    { "rules.yml": stringify(rules) },
  );
  // Enough scrapes for rate() and increase() over the dashboard's windows.
  await waitUntil(
    "five scrapes of the exporter",
    async () => {
      const result = await promQuery("query", {
        query: `count_over_time(partner_center_up{job="${JOB}"}[1m]) >= 5`,
      });
      return result.length > 0 ? true : undefined;
    },
    WAIT_MS,
  );
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  if (exporter && exporter.child.exitCode === null) {
    exporter.child.kill("SIGTERM");
    await exporter.exited;
  }
  await simulator?.stop();
  await new Promise((resolve) => webhook?.close(resolve));
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/**
 * Escapes a value the way Grafana's Prometheus datasource does for a regex-matched (`=~`)
 * variable: a regex escape, itself escaped for the PromQL string literal.
 */
function regexEscape(value: string): string {
  return value.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]'+?.()|]/g, "\\\\$&");
}

/** Resolves the dashboard's variables in order, as Grafana does, choosing "All" or the first value. */
async function variableValues(
  dashboard: Dashboard,
  choice: "all" | "first",
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const variable of dashboard.templating.list) {
    if (variable.type !== "query" || variable.query === undefined) continue;
    const match = /^label_values\((.*),\s*(\w+)\)$/.exec(variable.query);
    if (match === null) throw new Error(`unexpected variable query ${variable.query}`);
    const selector = interpolate(match[1] ?? "", values);
    const found = (await promQuery(`label/${match[2]}/values`, {
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

function panelsOf(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

describe("the product end to end, with real Prometheus and Alertmanager", () => {
  it.each(["all", "first"] as const)(
    "every dashboard query returns data with the variables set to %s",
    async (choice) => {
      const dashboard = JSON.parse(
        await readFile(new URL("grafana/partner-center-exporter.json", root), "utf8"),
      ) as Dashboard;
      const values = await variableValues(dashboard, choice);
      const now = Date.now() / 1000;
      const empty: string[] = [];
      let count = 0;
      for (const panel of panelsOf(dashboard.panels)) {
        for (const target of panel.targets ?? []) {
          const expr = interpolate(target.expr, values);
          expect(syntaxErrors(expr), expr).toEqual([]);
          const result = target.instant
            ? await promQuery("query", { query: expr })
            : await promQuery("query_range", {
                query: expr,
                start: String(now - 60),
                end: String(now),
                step: "1",
              });
          count++;
          if (result.length === 0) empty.push(`${panel.title}: ${expr}`);
        }
      }
      expect(count).toBeGreaterThan(10);
      expect(empty).toEqual([]);
    },
  );

  it("sends a low-adoption alert and a failing-polls alert to Alertmanager, and resolves both", async () => {
    expect(
      hasAlert(await activeAlerts(), "PartnerCenterLicenseUsageLow", { workload: "Exchange" }),
    ).toBe(false);

    // Exchange (reseller) drops to 3% adoption.
    simulator.setUsageItems(
      demoUsageItems(Date.now()).map((item) =>
        item.workloadName === "Exchange" && item.channel === "reseller"
          ? { ...item, proratedLicensesUsagePercent: 3 }
          : item,
      ),
    );
    await waitUntil(
      "PartnerCenterLicenseUsageLow for Exchange in Alertmanager",
      async () =>
        hasAlert(await activeAlerts(), "PartnerCenterLicenseUsageLow", {
          workload: "Exchange",
          channel: "reseller",
          severity: "warning",
        }) || undefined,
      WAIT_MS,
    );

    // Partner Center starts failing: every poll gets a 500.
    simulator.faults.push({ target: "usage", status: 500, times: Number.POSITIVE_INFINITY });
    await waitUntil(
      "PartnerCenterPollsFailing in Alertmanager",
      async () =>
        hasAlert(await activeAlerts(), "PartnerCenterPollsFailing", { job: JOB }) || undefined,
      WAIT_MS,
    );
    // The last good data is kept: the low-adoption alert is still there while polls fail.
    expect(
      hasAlert(await activeAlerts(), "PartnerCenterLicenseUsageLow", { workload: "Exchange" }),
    ).toBe(true);

    // Both conditions clear.
    simulator.faults.clear();
    simulator.setUsageItems(undefined);
    await waitUntil(
      "both alerts resolved in Alertmanager",
      async () => {
        const alerts = await activeAlerts();
        const open =
          hasAlert(alerts, "PartnerCenterPollsFailing") ||
          hasAlert(alerts, "PartnerCenterLicenseUsageLow", {
            workload: "Exchange",
            channel: "reseller",
          });
        return open ? undefined : true;
      },
      WAIT_MS,
    );
  }, 120_000);
});
