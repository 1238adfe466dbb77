import type { Collector } from "./collector.js";
import { partnerUsageCollector } from "./partner-usage.js";

/** Every collector the exporter knows, in the order they are documented. */
export const ALL_COLLECTORS: readonly Collector[] = [partnerUsageCollector];
