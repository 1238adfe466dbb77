/** The fields the commercial endpoints group by (Partner Center's documented dimensions). */
export const GROUPABLE_FIELDS = [
  "customerTenantId",
  "customerName",
  "productId",
  "productName",
  "workloadCode",
  "workloadName",
  "serviceCode",
  "serviceName",
  "channel",
] as const;

export type GroupableField = (typeof GROUPABLE_FIELDS)[number];

/** Per customer, workload, service and channel: products aggregated, the cardinality a default should have. */
export const DEFAULT_GROUP_BY: readonly GroupableField[] = GROUPABLE_FIELDS.filter(
  (field) => field !== "productId" && field !== "productName",
);
