import { LICENSE_DEPLOYMENT_PATH } from "../partner-center/paths.js";
import type { RowSchema } from "../partner-center/rows.js";
import type { FamilyText } from "./collector.js";
import { legacyCollector } from "./legacy-collector.js";

const DEPLOYMENT_PERCENT: FamilyText = {
  name: "partner_license_deployment_percent",
  help: "Prorated licence deployment of a service in percent (proratedDeploymentPercent, 0-100 scale, can exceed 100), as Partner Center reports it.",
};

const LICENSES_SOLD: FamilyText = {
  name: "partner_licenses_sold",
  help: "Licences sold for a service (licensesSold), as Partner Center reports it.",
};

/** PartnerLicensesDeploymentInsights. */
const SCHEMA: RowSchema<"service" | "channel", "deploymentPercent" | "licensesSold"> = {
  labels: { service: "serviceName", channel: "channel" },
  required: ["service"],
  values: { deploymentPercent: ["proratedDeploymentPercent"], licensesSold: ["licensesSold"] },
};

/** Partner-wide licence deployment per service (GET /v1/analytics/licenses/deployment). */
export const partnerDeploymentCollector = legacyCollector({
  name: "partner-deployment",
  defaultEnabled: false,
  description: "partner-wide licence deployment per service (/v1/analytics/licenses/deployment)",
  path: LICENSE_DEPLOYMENT_PATH,
  schema: SCHEMA,
  families: [
    [DEPLOYMENT_PERCENT, "deploymentPercent"],
    [LICENSES_SOLD, "licensesSold"],
  ],
});
