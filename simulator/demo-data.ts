import type { CustomerProductRow } from "./customer-data.js";

/** Demo licence usage: several workloads over o365 and crm, 0 to above 100, drifting slowly. */

interface DemoWorkload {
  readonly workloadName: string;
  readonly serviceName: string;
  readonly channel: string;
  readonly base: number;
  readonly amplitude: number;
}

const DEMO_WORKLOADS: readonly DemoWorkload[] = [
  { workloadName: "Exchange", serviceName: "o365", channel: "reseller", base: 86, amplitude: 4 },
  { workloadName: "SharePoint", serviceName: "o365", channel: "reseller", base: 57, amplitude: 6 },
  { workloadName: "Teams", serviceName: "o365", channel: "reseller", base: 106, amplitude: 5 },
  {
    workloadName: "OneDrive for Business",
    serviceName: "o365",
    channel: "reseller",
    base: 41,
    amplitude: 5,
  },
  {
    workloadName: "Skype For Business",
    serviceName: "o365",
    channel: "reseller",
    base: 7,
    amplitude: 3,
  },
  { workloadName: "Yammer", serviceName: "o365", channel: "reseller", base: 0, amplitude: 0 },
  { workloadName: "Exchange", serviceName: "o365", channel: "direct", base: 73, amplitude: 3 },
  { workloadName: "Teams", serviceName: "o365", channel: "direct", base: 94, amplitude: 6 },
  {
    workloadName: "Microsoft Dynamics CRM",
    serviceName: "crm",
    channel: "reseller",
    base: 33,
    amplitude: 7,
  },
  {
    workloadName: "Microsoft Dynamics CRM",
    serviceName: "crm",
    channel: "direct",
    base: 18,
    amplitude: 4,
  },
];

const DRIFT_PERIOD_MS = 15 * 60_000;

/** Today's 00:00 UTC, in the API's format: Partner Center aggregates about daily. */
export function processedDateTimeFor(now: number): string {
  const day = new Date(now);
  day.setUTCHours(0, 0, 0, 0);
  return day.toISOString().replace(".000Z", "+00:00");
}

/** The usage items the simulator serves by default, as Partner Center would at `now`. */
export function demoUsageItems(now: number): Record<string, unknown>[] {
  const processedDateTime = processedDateTimeFor(now);
  return DEMO_WORKLOADS.map((w, index) => {
    const phase = (index / DEMO_WORKLOADS.length) * 2 * Math.PI;
    const drift = w.amplitude * Math.sin((2 * Math.PI * now) / DRIFT_PERIOD_MS + phase);
    const value = Math.max(0, Math.round((w.base + drift) * 100) / 100);
    return {
      proratedLicensesUsagePercent: value,
      workloadName: w.workloadName,
      processedDateTime,
      serviceName: w.serviceName,
      channel: w.channel,
      attributes: { objectType: "PartnerLicensesUsageInsights" },
    };
  });
}

/** PartnerLicensesDeploymentInsights per service and channel, from the customers' rows. */
export function partnerDeploymentItems(
  rows: readonly CustomerProductRow[],
  now: number,
): Record<string, unknown>[] {
  const totals = new Map<
    string,
    { serviceName: string; channel: string; sold: number; deployed: number }
  >();
  const seen = new Set<string>();
  for (const row of rows) {
    const product = `${row.customerTenantId}/${row.productId}`;
    if (seen.has(product)) continue;
    seen.add(product);
    // The legacy endpoints name services by code (o365, crm), as the usage items do.
    const key = `${row.serviceCode}\u0000${row.channel}`;
    const total = totals.get(key) ?? {
      serviceName: row.serviceCode,
      channel: row.channel,
      sold: 0,
      deployed: 0,
    };
    total.sold += row.licensesSold;
    total.deployed += row.licensesDeployed;
    totals.set(key, total);
  }
  const processedDateTime = processedDateTimeFor(now);
  return [...totals.values()].map((t) => ({
    proratedDeploymentPercent: Math.round((t.deployed / t.sold) * 10_000) / 100,
    licensesSold: t.sold,
    serviceName: t.serviceName,
    channel: t.channel,
    processedDateTime,
    attributes: { objectType: "PartnerLicensesDeploymentInsights" },
  }));
}
