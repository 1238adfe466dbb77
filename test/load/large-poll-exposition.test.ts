import { afterEach, describe, expect, it } from "vitest";
import { isCrawlCollector } from "../../src/collectors/collector.js";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { family, SCRAPE_VARIANTS, scrapeChecked } from "../helpers/exposition-check.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Series per collector, as the last poll's detail line (debug) reports them. */
function loggedSeries(h: Harness): Record<string, number> {
  const line = h.logs
    .lines()
    .filter((l) => l.msg === "poll detail")
    .at(-1);
  const collectors = (line?.collectors ?? {}) as Record<string, { series: number }>;
  return Object.fromEntries(Object.entries(collectors).map(([name, c]) => [name, c.series]));
}

// The polled collectors: the renewals crawl paces itself (at most 500 requests a minute, 3 minutes
// for these customers); its exposition is checked in test/collectors/customer-subscriptions.test.ts.
const POLLED = ALL_COLLECTORS.filter((c) => !isCrawlCollector(c));

describe("a large poll's exposition", () => {
  it("every polled collector on, about 18,000 series: both formats, plain and gzip, pass every strict parser and hold every series", {
    timeout: 120_000,
  }, async () => {
    harness = await startHarness({
      simulator: { customers: 1500 },
      env: {
        COLLECTORS: POLLED.map((c) => c.name).join(","),
        REQUEST_TIMEOUT: "20s",
        POLL_TIMEOUT: "60s",
      },
    });
    const expected = loggedSeries(harness);
    expect(Object.keys(expected).sort()).toEqual(POLLED.map((c) => c.name).sort());
    for (const variant of SCRAPE_VARIANTS) {
      const scrape = await scrapeChecked(`${harness.exporter.url}/metrics`, variant);
      // Large enough to be rendered in many chunks and served, and compressed, in pieces.
      expect(scrape.text.length).toBeGreaterThan(2 * 1024 * 1024);
      for (const collector of POLLED) {
        const parsed = collector.families.map(
          (f) => family(scrape.families, f.name).samples.length,
        );
        expect(parsed.reduce((a, b) => a + b, 0)).toBe(expected[collector.name]);
      }
    }
  });
});
