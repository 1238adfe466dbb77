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
  (await (await cache.body(false, false)).bytes()).toString();

describe("ScrapeCache and markChanged()", () => {
  it("answers with the body built last until a self-metric change is marked", async () => {
    const { cache, gauge } = cacheWithGauge();
    const cached = await cache.body(false, false);
    expect((await cached.bytes()).toString()).toContain("some_gauge 0\n");
    // Unmarked changes are not seen: the cache re-renders only when told.
    gauge.set(5);
    expect(await cache.body(false, false)).toBe(cached);
    cache.markChanged();
    expect(await cache.body(false, false)).not.toBe(cached);
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
    const built = [];
    for (const [openMetrics, gzip] of variants) built.push(await cache.body(openMetrics, gzip));
    for (const [i, [openMetrics, gzip]] of variants.entries()) {
      expect(await cache.body(openMetrics, gzip)).toBe(built[i]);
    }
    cache.markChanged();
    for (const [i, [openMetrics, gzip]] of variants.entries()) {
      expect(await cache.body(openMetrics, gzip)).not.toBe(built[i]);
    }
  });
});
