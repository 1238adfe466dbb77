import { Gauge, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ScrapeCache } from "../../src/metrics/scrape-cache.js";

function cacheWithGauge(): { cache: ScrapeCache; gauge: Gauge } {
  const registry = new Registry();
  const gauge = new Gauge({ name: "some_gauge", help: "Some gauge.", registers: [registry] });
  const cache = new ScrapeCache({ collectorOrder: [], health: registry, process: undefined });
  return { cache, gauge };
}

const text = async (cache: ScrapeCache) =>
  Buffer.concat((await cache.body(false, false)).chunks).toString();

describe("ScrapeCache and markChanged()", () => {
  it("answers from the cached body until a self-metric change is marked", async () => {
    const { cache, gauge } = cacheWithGauge();
    expect(cache.cachedBody(false, false)).toBeUndefined();
    expect(await text(cache)).toContain("some_gauge 0\n");
    const cached = cache.cachedBody(false, false);
    expect(cached).toBeDefined();
    // Unmarked changes are not seen: the cache re-renders only when told.
    gauge.set(5);
    expect(cache.cachedBody(false, false)).toBe(cached);
    cache.markChanged();
    expect(cache.cachedBody(false, false)).toBeUndefined();
    expect(await text(cache)).toContain("some_gauge 5\n");
  });

  it("keeps a variant per format and encoding, all invalidated by one mark", async () => {
    const { cache } = cacheWithGauge();
    const variants = [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const;
    for (const [openMetrics, gzip] of variants) await cache.body(openMetrics, gzip);
    for (const [openMetrics, gzip] of variants) {
      expect(cache.cachedBody(openMetrics, gzip)).toBeDefined();
    }
    cache.markChanged();
    for (const [openMetrics, gzip] of variants) {
      expect(cache.cachedBody(openMetrics, gzip)).toBeUndefined();
    }
  });
});
