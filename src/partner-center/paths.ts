/** Partner Center's licence analytics endpoints (relative to the API base URL). */
export const LICENSE_USAGE_PATH = "/v1/analytics/licenses/usage";
export const LICENSE_DEPLOYMENT_PATH = "/v1/analytics/licenses/deployment";
export const CUSTOMER_USAGE_PATH = "/v1/analytics/commercial/usage/license/";
export const CUSTOMER_DEPLOYMENT_PATH = "/v1/analytics/commercial/deployment/license/";

/** The partner's customers, and one customer's subscriptions (the renewals collector). */
export const CUSTOMERS_PATH = "/v1/customers";
export const SUBSCRIPTIONS_ENDPOINT = "/v1/customers/{id}/subscriptions";
export const subscriptionsPath = (customerId: string): string =>
  `/v1/customers/${encodeURIComponent(customerId)}/subscriptions`;
