import { LICENSE_USAGE_PATH } from "../partner-center/paths.js";
import { legacyItems, parseRows, type RowSchema, skipReasons } from "../partner-center/rows.js";
import type { Collector, GaugeFamily } from "./collector.js";
import { rowsToCollection } from "./rows-collection.js";

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

/** PartnerLicensesUsageInsights. */
export const USAGE_SCHEMA: RowSchema<(typeof LABELS)[number], "usagePercent"> = {
  labels: { workload: "workloadName", service: "serviceName", channel: "channel" },
  required: ["workload"],
  values: { usagePercent: ["proratedLicensesUsagePercent"] },
};

/** The seed's endpoint: partner-wide licence usage per workload. */
export const partnerUsageCollector: Collector = {
  name: "partner-usage",
  defaultEnabled: true,
  description: "partner-wide licence usage per workload (/v1/analytics/licenses/usage)",
  families: [USAGE_PERCENT, USAGE_PROCESSED],
  skipReasons: [...skipReasons(USAGE_SCHEMA.required), "duplicate"],
  async collect({ client, correlationId, signal }) {
    const body = await client.getJson(LICENSE_USAGE_PATH, { correlationId, signal });
    const parsed = parseRows(legacyItems(body), USAGE_SCHEMA, "items");
    return rowsToCollection(parsed, {
      [USAGE_PERCENT.name]: "usagePercent",
      [USAGE_PROCESSED.name]: "processedAt",
    });
  },
};
