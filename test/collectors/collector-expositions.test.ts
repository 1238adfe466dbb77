import { afterEach, describe, expect, it } from "vitest";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import {
  type CheckedScrape,
  family,
  SCRAPE_VARIANTS,
  scrapeChecked,
} from "../helpers/exposition-check.js";
import { type Harness, samplesOf, startHarness } from "../helpers/harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const CONTENT_TYPES = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

describe("each collector's real /metrics output, in every format and encoding", () => {
  it.each(ALL_COLLECTORS.map((c) => [c.name, c] as const))(
    "%s passes promtool and the Python parsers, and they read every series",
    async (name, collector) => {
      harness = await startHarness({ env: { COLLECTORS: name }, simulator: { customers: 25 } });
      const url = `${harness.exporter.url}/metrics`;
      const scrapes: CheckedScrape[] = [];
      for (const variant of SCRAPE_VARIANTS) {
        const scrape = await scrapeChecked(url, variant);
        expect(scrape.contentType).toBe(CONTENT_TYPES[variant.format]);
        expect(scrape.contentEncoding).toBe(variant.gzip ? "gzip" : undefined);
        scrapes.push(scrape);
      }
      const [first] = scrapes;
      for (const scrape of scrapes) {
        const success = family(scrape.families, "partner_center_collector_success").samples;
        expect(success).toEqual([
          {
            name: "partner_center_collector_success",
            labels: { collector: name },
            value: 1,
            timestamp: null,
          },
        ]);
        for (const { name: familyName } of collector.families) {
          const parsed = family(scrape.families, familyName);
          expect(parsed.type).toBe("gauge");
          expect(parsed.samples.length).toBeGreaterThan(0);
          expect(parsed.samples).toHaveLength(samplesOf(scrape.text, familyName).length);
          // The same series, read alike, whatever the format and encoding.
          expect(parsed).toEqual(family(first?.families ?? [], familyName));
        }
      }
    },
  );
});
