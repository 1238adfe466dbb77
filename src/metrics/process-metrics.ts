import { collectDefaultMetrics, Registry } from "prom-client";

const MISNAMED_DEFAULT_METRICS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** prom-client's process and Node.js runtime metrics, in a registry of their own. */
export function processMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which promtool rejects; the per-type gauges stay.
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  return registry;
}
