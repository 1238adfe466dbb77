import type { CollectorOptions } from "../../src/collectors/collector.js";
import { settingDefaults } from "../../src/config/load-config.js";

const { customer, partner, subscriptions } = settingDefaults();

/**
 * The settings' defaults (CUSTOMER_*, PARTNER_*), except the grouping: each collector's own by default. The
 * exporter builds its options from the loaded config; tests that drive a collector alone use these.
 */
export const DEFAULT_COLLECTOR_OPTIONS: CollectorOptions = {
  customerGroupBy: undefined,
  customerFilter: customer.filter,
  customerMaxSeries: customer.maxSeries,
  customerPageSize: customer.pageSize,
  partnerMaxSeries: partner.maxSeries,
  subscriptionRequestsPerMinute: subscriptions.requestsPerMinute,
  subscriptionCustomerFilter: subscriptions.customerFilter,
  subscriptionExcludeOffers: subscriptions.excludeOffers,
};
