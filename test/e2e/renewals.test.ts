/**
 * The Renewals row and the renewal alerts on a real Prometheus (Debian's package): it scrapes a
 * page with the spec's subscription metrics and customer-usage's licences (a small real HTTP
 * server), loads the bundled rules, and answers every query of the row as Grafana sends it.
 * The end-to-end stack test covers the same queries against the exporter once its demo exports
 * these metrics (its check is driven by what the exporter exports).
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  bundledRulesFiringAtOnce,
  type PromSample,
  type QueryResult,
  runDashboard,
} from "../helpers/bundled-monitoring.js";
import { type RealServer, startPrometheus, waitUntil } from "../helpers/real-servers.js";
import { daysFrom, renewalsExposition, SUBSCRIPTIONS } from "../helpers/renewals-exposition.js";

const JOB = "partner-center-exporter";
const WAIT_MS = 30_000;

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  value: string;
}

let page: Server;
let prometheus: RealServer;
const now = Date.now() / 1000;

/** What Prometheus's humanizeTimestamp prints for whole seconds: Go's time.Time in UTC. */
const humanized = (seconds: number): string =>
  `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;

async function firing(name: string): Promise<Alert[]> {
  const response = await fetch(new URL("/api/v1/alerts", prometheus.url));
  const body = (await response.json()) as { data: { alerts: Alert[] } };
  return body.data.alerts.filter((a) => a.labels.alertname === name && a.state === "firing");
}

beforeAll(async () => {
  const text = renewalsExposition(now);
  page = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(text);
  });
  await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
  const { port } = page.address() as AddressInfo;

  prometheus = await startPrometheus(
    stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: ["rules.yml"],
      scrape_configs: [{ job_name: JOB, static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
    }),
    { "rules.yml": await bundledRulesFiringAtOnce() },
  );
  await waitUntil(
    "the renewal alerts firing",
    async () =>
      (await firing("PartnerCenterSubscriptionRenewsUnderused")).length > 0 &&
      (await firing("PartnerCenterSubscriptionReductionWindowOpen")).length > 0
        ? true
        : undefined,
    WAIT_MS,
  );
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => page?.close(resolve));
});

const byRef = (results: readonly QueryResult[], panel: string, refId: string) => {
  const found = results.find((r) => r.panel === panel && r.refId === refId);
  if (found === undefined) throw new Error(`no query ${refId} in ${panel}`);
  return found.result;
};
/** label value -> the sample's value, for an instant query. */
const valuesBy = (samples: readonly PromSample[], label: string): Record<string, number> =>
  Object.fromEntries(samples.map((s) => [s.metric[label], Number(s.value?.[1])]));

describe("the Renewals row on a real Prometheus", () => {
  it.each(["all", "first"] as const)(
    "every query returns data with the variables set to %s",
    async (choice) => {
      const renewals = (await runDashboard(prometheus.url, choice)).filter(
        (r) => r.row === "Renewals",
      );
      expect(renewals.length).toBeGreaterThanOrEqual(9);
      expect(renewals.filter((r) => r.result.length === 0).map((r) => r.expr)).toEqual([]);
    },
  );

  // Panel, query, the label a row is told by, and what each row holds.
  it.each([
    [
      "Subscriptions by days to term end",
      "C",
      "subscription_id",
      { "s-open": 40, "s-renews": 25, "s-manual": 30, "f-sub": 100 },
    ],
    ["Open reduction windows", "B", "subscription_id", { "s-open": 12, "f-sub": 100 }],
    ["Open reduction windows", "C", "subscription_id", { "s-open": 10, "f-sub": 60 }],
    // Contoso: s-open's 40 (no next-term quantity) and s-renews' scheduled 25; s-manual is off.
    [
      "Seats renewing vs active licences per customer",
      "A",
      "customer",
      { "Contoso Ltd": 65, "Fabrikam Ltd": 100 },
    ],
    [
      "Seats renewing vs active licences per customer",
      "B",
      "customer",
      { "Contoso Ltd": 10, "Fabrikam Ltd": 60 },
    ],
    [
      "Seats renewing vs active licences per customer",
      "C",
      "customer",
      { "Contoso Ltd": 10, "Fabrikam Ltd": 60 },
    ],
  ] as const)("%s, query %s, by %s", async (panel, refId, label, expected) => {
    const results = await runDashboard(prometheus.url, "all");
    expect(valuesBy(byRef(results, panel, refId), label)).toEqual(expected);
  });

  it("counts days to term end and hours left in the window from the timestamps", async () => {
    const results = await runDashboard(prometheus.url, "all");
    const days = valuesBy(
      byRef(results, "Subscriptions by days to term end", "A"),
      "subscription_id",
    );
    expect(Object.keys(days).sort()).toEqual(SUBSCRIPTIONS.map((s) => s.id).sort());
    for (const s of SUBSCRIPTIONS) expect(days[s.id], s.id).toBeCloseTo(s.termEndsIn, 1);
    const hours = valuesBy(byRef(results, "Open reduction windows", "A"), "subscription_id");
    expect(Object.keys(hours).sort()).toEqual(["f-sub", "s-open"]);
    expect(hours["s-open"]).toBeCloseTo(72, 0);
  });
});

describe("the renewal alerts on a real Prometheus", () => {
  it("PartnerCenterSubscriptionReductionWindowOpen: Contoso's open window, with its end", async () => {
    const alerts = await firing("PartnerCenterSubscriptionReductionWindowOpen");
    expect(alerts.map((a) => a.labels.subscription_id)).toEqual(["s-open"]);
    expect(alerts[0]?.annotations.description).toContain(
      `Until ${humanized(daysFrom(now, 3))}, 12 seats of Microsoft 365 Business Standard at Contoso Ltd (c-contoso, subscription s-open) can still be reduced: `,
    );
  });

  it("PartnerCenterSubscriptionRenewsUnderused: Contoso's auto-renewal in 20 days, with its date", async () => {
    const alerts = await firing("PartnerCenterSubscriptionRenewsUnderused");
    expect(alerts.map((a) => a.labels.subscription_id)).toEqual(["s-renews"]);
    const description = alerts[0]?.annotations.description ?? "";
    expect(description).toMatch(/^25 seats of Microsoft 365 Business Premium at Contoso Ltd /);
    expect(description).toContain(
      `Turn auto-renew off or schedule fewer seats before ${humanized(daysFrom(now, 20))}, when the term ends.`,
    );
  });
});
