import { GROUPABLE_FIELDS } from "../partner-center/fields.js";
import { CUSTOMER_USAGE_PATH } from "../partner-center/paths.js";
import {
  CUSTOMER_PRODUCT_LABELS,
  commercialCollector,
  SERVICE_CHANNEL_LABELS,
} from "./commercial-collector.js";

/** Licence usage per customer, product and workload (the commercial endpoint that supersedes /v1/analytics/licenses/usage). */
export const customerUsageCollector = commercialCollector({
  name: "customer-usage",
  description:
    "licence usage per customer, product and workload (/v1/analytics/commercial/usage/license/)",
  path: CUSTOMER_USAGE_PATH,
  schema: {
    labels: {
      ...CUSTOMER_PRODUCT_LABELS,
      workload: "workloadName",
      workload_code: "workloadCode",
      ...SERVICE_CHANNEL_LABELS,
    },
    required: [],
    // The documented example spells it licenseActive.
    values: {
      active: ["licensesActive", "licenseActive"],
      qualified: ["licensesQualified", "licenseQualified"],
    },
  },
  groupableFields: GROUPABLE_FIELDS,
  families: [
    [
      {
        name: "partner_customer_licenses_active",
        help: "Active licences (used in the last 28 days) of a customer, as Partner Center reports them (licensesActive).",
      },
      "active",
    ],
    [
      {
        name: "partner_customer_licenses_qualified",
        help: "Qualified licences of a customer, as Partner Center reports them (licensesQualified); active / qualified is the usage.",
      },
      "qualified",
    ],
  ],
});
