import { GROUPABLE_FIELDS } from "../partner-center/fields.js";
import { CUSTOMER_DEPLOYMENT_PATH } from "../partner-center/paths.js";
import {
  CUSTOMER_PRODUCT_LABELS,
  commercialCollector,
  SERVICE_CHANNEL_LABELS,
} from "./commercial-collector.js";

/** Licences deployed and sold per customer and product: what is sold but not assigned. */
export const customerDeploymentCollector = commercialCollector({
  name: "customer-deployment",
  description:
    "licences deployed and sold per customer and product (/v1/analytics/commercial/deployment/license/)",
  path: CUSTOMER_DEPLOYMENT_PATH,
  schema: {
    labels: { ...CUSTOMER_PRODUCT_LABELS, ...SERVICE_CHANNEL_LABELS },
    required: [],
    values: { deployed: ["licensesDeployed"], sold: ["licensesSold"] },
  },
  // Deployment has no workload dimension.
  groupableFields: GROUPABLE_FIELDS.filter((f) => !f.startsWith("workload")),
  families: [
    [
      {
        name: "partner_customer_licenses_deployed",
        help: "Licences of a customer that are assigned to users (licensesDeployed), as Partner Center reports them.",
      },
      "deployed",
    ],
    [
      {
        name: "partner_customer_licenses_sold",
        help: "Licences sold to a customer (licensesSold), as Partner Center reports them.",
      },
      "sold",
    ],
  ],
});
