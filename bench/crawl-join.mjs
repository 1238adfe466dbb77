// What a crawl's join costs: the renewals collector's recorder (src/metrics/crawl-recorder.ts)
// joins every customer's rendered lines into the segment a scrape serves, at most every second.
// Fed N customers x 4 subscriptions through the real recorder, this times the join at the end of
// the crawl (every block new), then a join after 5 customers changed (what a second of a crawl at
// the default pace brings), each four times, CPU of the whole process (zlib's threads included).
// Usage: npm run build && node bench/crawl-join.mjs [--customers=25000]
import { ALL_COLLECTORS } from "../dist/src/collectors/index.js";
import { ExporterMetrics } from "../dist/src/metrics/exporter-metrics.js";

const customers = Number(/--customers=(\d+)/.exec(process.argv.join(" "))?.[1] ?? 25000);
const collector = ALL_COLLECTORS.find((c) => c.name === "customer-subscriptions");
const id = (n) => `ea2cc5b8-d687-459b-a10c-${String(n).padStart(12, "0")}`;

/** One customer's answer as the collector reports it: 4 subscriptions, every family. */
function collection(customer, version) {
  const series = new Map();
  for (const family of collector.families) {
    const samples = [0, 1, 2, 3].map((s) => ({
      labels: {
        customer_id: id(customer),
        customer: `Customer ${customer}`,
        subscription_id: id(s),
        offer_id: "CFQ7TTC0LH18:0001",
        offer: "Microsoft 365 Business Basic",
        term: "P1Y",
        billing_cycle: "monthly",
        status: "active",
      },
      value: family.name.endsWith("_seconds") ? 1796860740.864 + version : 10 + s + version,
    }));
    series.set(family.name, samples);
  }
  return { series, received: 4, skipped: [] };
}

async function timed(recorder) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const outcome = { collector, ok: true, collection: collection(0, 0), durationMs: 0 };
  await recorder.complete(outcome, undefined);
  const used = process.cpuUsage(cpu);
  return {
    wallMs: Math.round(performance.now() - started),
    cpuMs: Math.round((used.user + used.system) / 1000),
  };
}

const metrics = new ExporterMetrics({
  collectors: [collector],
  version: "bench",
  processMetrics: false,
});
const recorder = metrics.crawlRecorder(collector);
recorder.listed(customers);
for (let c = 0; c < customers; c++) recorder.part(id(c), collection(c, 0));
const full = [await timed(recorder)];
const changed = [];
for (let round = 1; round <= 4; round++) {
  for (let c = 0; c < 5; c++) recorder.part(id(round * 997 + c * 4999), collection(c, round));
  changed.push(await timed(recorder));
}
const body = await metrics.body(false, true);
console.log(JSON.stringify({ customers, full, fiveChanged: changed, gzipBytes: body.length }));
process.exit(0);
