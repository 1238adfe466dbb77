import {
  LICENSE_USAGE_PATH,
  type LicenseUsageItem,
  parseLicenseUsageBody,
  SKIP_REASONS,
} from "../partner-center/license-usage.js";
import type { Collection, Collector, GaugeFamily, Sample, Skip } from "./collector.js";

const LABELS = ["workload", "service", "channel"] as const;

export const USAGE_PERCENT: GaugeFamily = {
  name: "partner_license_usage_percent",
  help: "Prorated licence usage of a workload in percent (proratedLicensesUsagePercent, 0-100 scale, can exceed 100), as Partner Center reports it.",
  labelNames: LABELS,
};

export const USAGE_PROCESSED: GaugeFamily = {
  name: "partner_license_usage_processed_timestamp_seconds",
  help: "When Partner Center processed the licence usage data of a workload (processedDateTime), in Unix seconds.",
  labelNames: LABELS,
};

/** One item per (workload, service, channel): the one with the newest processedDateTime wins. */
export function selectNewest(items: readonly LicenseUsageItem[]): {
  kept: LicenseUsageItem[];
  dropped: LicenseUsageItem[];
} {
  const byKey = new Map<string, LicenseUsageItem>();
  const dropped: LicenseUsageItem[] = [];
  for (const item of items) {
    const key = JSON.stringify([item.workload, item.service, item.channel]);
    const seen = byKey.get(key);
    if (seen === undefined || item.processedAt > seen.processedAt) {
      byKey.set(key, item);
      if (seen !== undefined) dropped.push(seen);
    } else {
      dropped.push(item);
    }
  }
  return { kept: [...byKey.values()], dropped };
}

export function usageSamples(items: readonly LicenseUsageItem[]): Map<string, Sample[]> {
  const percent: Sample[] = [];
  const processed: Sample[] = [];
  for (const item of items) {
    const labels = { workload: item.workload, service: item.service, channel: item.channel };
    percent.push({ labels, value: item.usagePercent });
    processed.push({ labels, value: item.processedAt / 1000 });
  }
  return new Map([
    [USAGE_PERCENT.name, percent],
    [USAGE_PROCESSED.name, processed],
  ]);
}

/** The seed's endpoint: partner-wide licence usage per workload. */
export const partnerUsageCollector: Collector = {
  name: "partner-usage",
  families: [USAGE_PERCENT, USAGE_PROCESSED],
  skipReasons: [...SKIP_REASONS, "duplicate"],
  async collect({ client, correlationId, signal }): Promise<Collection> {
    const body = await client.getJson(LICENSE_USAGE_PATH, { correlationId, signal });
    const parsed = parseLicenseUsageBody(body);
    const { kept, dropped } = selectNewest(parsed.items);
    const skipped: Skip[] = [
      ...parsed.skipped,
      ...dropped.map((item) => ({
        reason: "duplicate",
        detail: `an older item for workload="${item.workload}" service="${item.service}" channel="${item.channel}" (the newest processedDateTime won)`,
      })),
    ];
    return {
      series: usageSamples(kept),
      received: parsed.items.length + parsed.skipped.length,
      skipped,
    };
  },
};
