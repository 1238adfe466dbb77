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
import { stringify } from "yaml";
import { demoUsageItems } from "../../simulator/demo-data.js";
import {
  bundledRulesFiringAtOnce,
  promQuery,
  runDashboard,
} from "../helpers/bundled-monitoring.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import {
  type RealServer,
  startAlertmanager,
  startPrometheus,
  waitUntil,
} from "../helpers/real-servers.js";
import { SUBSCRIPTION_METRICS } from "../helpers/renewals-exposition.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

const root = new URL("../../", import.meta.url);
const JOB = "partner-center-exporter";
const WAIT_MS = 30_000;

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
    COLLECTORS:
      "partner-usage,partner-deployment,customer-usage,customer-deployment,customer-subscriptions",
  });
  const listening = await exporter.waitFor(/partner-center-exporter listening/, WAIT_MS);
  const exporterAddress = new URL((JSON.parse(listening) as { url: string }).url).host;
  await exporter.waitFor(/"msg":"poll succeeded"/, WAIT_MS);

  prometheus = await startPrometheus(
    stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: ["rules.yml"],
      alerting: {
        alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanager.url).host] }] }],
      },
      scrape_configs: [{ job_name: JOB, static_configs: [{ targets: [exporterAddress] }] }],
    }),
    { "rules.yml": await bundledRulesFiringAtOnce() },
  );
  // Enough scrapes for rate() and increase() over the dashboard's windows.
  await waitUntil(
    "five scrapes of the exporter",
    async () => {
      const result = await promQuery(prometheus.url, "query", {
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

describe("the product end to end, with real Prometheus and Alertmanager", () => {
  // Data-driven: a query must return data when the exporter exports every metric it reads. A
  // query that reads a metric the stack does not export (a collector not enabled here) must read
  // only metrics whose queries another test proves on a real Prometheus (renewals.test.ts for
  // the customer-subscriptions collector); enabling that collector in COLLECTORS above brings
  // its panels into this check.
  it.each(["all", "first"] as const)(
    "every dashboard query returns data with the variables set to %s",
    async (choice) => {
      const exported = new Set(
        (await promQuery(prometheus.url, "label/__name__/values", {
          "match[]": `{job="${JOB}"}`,
        })) as string[],
      );
      const results = await runDashboard(prometheus.url, choice);
      const covered = results.filter((r) => r.metrics.every((m) => exported.has(m)));
      expect(covered.length).toBeGreaterThan(10);
      expect(
        covered.filter((r) => r.result.length === 0).map((r) => `${r.panel}: ${r.expr}`),
      ).toEqual([]);
      const provenElsewhere = new Set<string>(SUBSCRIPTION_METRICS);
      for (const r of results.filter((q) => !covered.includes(q))) {
        const missing = r.metrics.filter((m) => !exported.has(m));
        expect(
          missing.filter((m) => !provenElsewhere.has(m)),
          `${r.panel}: ${r.expr}`,
        ).toEqual([]);
      }
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
