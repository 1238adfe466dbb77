import { LICENSE_DEPLOYMENT_PATH } from "../partner-center/paths.js";
import { legacyItems, parseRows, type RowSchema, skipReasons } from "../partner-center/rows.js";
import type { Collector, GaugeFamily } from "./collector.js";
import { rowsToCollection } from "./rows-collection.js";

const LABELS = ["service", "channel"] as const;

export const DEPLOYMENT_PERCENT: GaugeFamily = {
  name: "partner_license_deployment_percent",
  help: "Prorated licence deployment of a service in percent (proratedDeploymentPercent, 0-100 scale, can exceed 100), as Partner Center reports it.",
  labelNames: LABELS,
};

export const LICENSES_SOLD: GaugeFamily = {
  name: "partner_licenses_sold",
  help: "Licences sold for a service (licensesSold), as Partner Center reports it.",
  labelNames: LABELS,
};

/** PartnerLicensesDeploymentInsights. */
const SCHEMA: RowSchema<(typeof LABELS)[number], "deploymentPercent" | "licensesSold"> = {
  labels: { service: "serviceName", channel: "channel" },
  required: ["service"],
  values: { deploymentPercent: ["proratedDeploymentPercent"], licensesSold: ["licensesSold"] },
};

/** Partner-wide licence deployment per service (the legacy endpoint beside the seed's). */
export const partnerDeploymentCollector: Collector = {
  name: "partner-deployment",
  defaultEnabled: false,
  description: "partner-wide licence deployment per service (/v1/analytics/licenses/deployment)",
  families: [DEPLOYMENT_PERCENT, LICENSES_SOLD],
  skipReasons: [...skipReasons(SCHEMA.required), "duplicate"],
  async collect({ client, correlationId, signal }) {
    const body = await client.getJson(LICENSE_DEPLOYMENT_PATH, { correlationId, signal });
    const parsed = parseRows(legacyItems(body), SCHEMA, "items");
    return rowsToCollection(parsed, {
      [DEPLOYMENT_PERCENT.name]: "deploymentPercent",
      [LICENSES_SOLD.name]: "licensesSold",
    });
  },
};
