// What a crawl's join costs: the renewals collector joins every customer's rendered lines into
// the segment a scrape serves (src/metrics/crawl-recorder.ts), coalesced, at most every second
// and at least RENDER_COST_FACTOR times the last join's duration apart. This times one join of
// N customers x 4 subscriptions x 7 families (the size of the real lines), four times.
// Usage: npm run build && node bench/crawl-join.mjs [--customers=25000]
import { renderedChunks } from "../dist/src/metrics/exposition.js";
import { toSegment } from "../dist/src/metrics/segment.js";

const customers = Number(/--customers=(\d+)/.exec(process.argv.join(" "))?.[1] ?? 25000);
const families = Array.from({ length: 7 }, (_, i) => ({
  name: `partner_customer_subscription_family_${i}`,
  help: "h",
  labelNames: ["customer_id", "subscription_id"],
}));
const id = (n) => `ea2cc5b8-d687-459b-a10c-${String(n).padStart(12, "0")}`;
const parts = Array.from({ length: customers }, (_, c) =>
  families.map((f) =>
    [0, 1, 2, 3]
      .map((s) => `${f.name}{customer_id="${id(c)}",subscription_id="${id(s)}"} 1796860740.864\n`)
      .join(""),
  ),
);
const joins = [];
for (let round = 0; round < 4; round++) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const segment = await toSegment(
    renderedChunks(families, function* (family) {
      for (const lines of parts) yield lines[family];
    }),
  );
  const used = process.cpuUsage(cpu);
  joins.push({
    wallMs: Math.round(performance.now() - started),
    cpuMs: Math.round((used.user + used.system) / 1000),
    pieces: segment.deflated.length,
  });
}
console.log(JSON.stringify({ customers, joins }));
