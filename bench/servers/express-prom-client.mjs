// The obvious peer: an Express route calling prom-client's register.metrics() on every request,
// over the same metric set as the exporter (its gauges rebuilt from a captured exposition, plus
// prom-client's default process metrics), which is how most prom-client exporters are written.
// Usage: node express-prom-client.mjs <exposition-file>; prints its port.
import { readFileSync } from "node:fs";
import express from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const text = readFileSync(process.argv[2], "utf8");
const register = new Registry();
collectDefaultMetrics({ register });
// The same metric set as the exporter, which leaves out prom-client's three misnamed gauges.
for (const name of [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
]) {
  register.removeSingleMetric(name);
}
const families = new Map();
let type = new Map();
for (const line of text.split("\n")) {
  const meta = /^# TYPE (\S+) (\S+)$/.exec(line);
  if (meta) {
    type.set(meta[1], meta[2]);
    continue;
  }
  const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
  if (!sample || line.startsWith("#")) continue;
  const [, name, labelText = "", value] = sample;
  if (name.startsWith("process_") || name.startsWith("nodejs_")) continue;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  const kind = type.get(name) ?? type.get(base) ?? "gauge";
  if (kind === "histogram") continue; // rebuilt below from its observations' shape
  const labels = {};
  for (const m of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
    labels[m[1]] = m[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
  let metric = families.get(name);
  if (!metric) {
    const config = { name, help: name, labelNames: Object.keys(labels), registers: [register] };
    metric = kind === "counter" ? new Counter(config) : new Gauge(config);
    families.set(name, metric);
  }
  if (kind === "counter") metric.inc(labels, Number(value));
  else metric.set(labels, Number(value));
}
const histogram = new Histogram({
  name: "partner_center_poll_duration_seconds",
  help: "h",
  registers: [register],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
});
histogram.observe(0.1);
type = undefined;

const app = express();
app.disable("x-powered-by");
app.get("/metrics", async (_req, res) => {
  res.set("Content-Type", register.contentType).send(await register.metrics());
});
const server = app.listen(0, "127.0.0.1", () =>
  console.log(JSON.stringify({ port: server.address().port })),
);
server.keepAliveTimeout = 65_000;
process.on("SIGTERM", () => process.exit(0));
