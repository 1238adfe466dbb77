import type { Collector } from "./collector.js";
import { customerDeploymentCollector } from "./customer-deployment.js";
import { customerSubscriptionsCollector } from "./customer-subscriptions.js";
import { customerUsageCollector } from "./customer-usage.js";
import { partnerDeploymentCollector } from "./partner-deployment.js";
import { partnerUsageCollector } from "./partner-usage.js";

/** Every collector the exporter knows, in the order they are documented. Adding one: a file and a line here. */
export const ALL_COLLECTORS: readonly Collector[] = [
  partnerUsageCollector,
  partnerDeploymentCollector,
  customerUsageCollector,
  customerDeploymentCollector,
  customerSubscriptionsCollector(),
];
