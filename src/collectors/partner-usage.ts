import { LICENSE_USAGE_PATH } from "../partner-center/paths.js";
import type { RowSchema } from "../partner-center/rows.js";
import type { FamilyText } from "./collector.js";
import { legacyCollector } from "./legacy-collector.js";

const USAGE_PERCENT: FamilyText = {
  name: "partner_license_usage_percent",
  help: "Prorated licence usage of a workload in percent (proratedLicensesUsagePercent, 0-100 scale, can exceed 100), as Partner Center reports it.",
};

const USAGE_PROCESSED: FamilyText = {
  name: "partner_license_usage_processed_timestamp_seconds",
  help: "When Partner Center processed the licence usage data of a workload (processedDateTime), in Unix seconds.",
};

/** PartnerLicensesUsageInsights. */
const USAGE_SCHEMA: RowSchema<"workload" | "service" | "channel", "usagePercent"> = {
  labels: { workload: "workloadName", service: "serviceName", channel: "channel" },
  required: ["workload"],
  values: { usagePercent: ["proratedLicensesUsagePercent"] },
};

/** GET /v1/analytics/licenses/usage: partner-wide licence usage per workload (on by default). */
export const partnerUsageCollector = legacyCollector({
  name: "partner-usage",
  defaultEnabled: true,
  description: "partner-wide licence usage per workload (/v1/analytics/licenses/usage)",
  path: LICENSE_USAGE_PATH,
  schema: USAGE_SCHEMA,
  families: [
    [USAGE_PERCENT, "usagePercent"],
    [USAGE_PROCESSED, "processedAt"],
  ],
});
