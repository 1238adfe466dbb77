import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BUILD_INFO, VERSION } from "../../src/version.js";
import {
  checkExposition,
  type ParsedFamily,
  SCRAPE_VARIANTS,
  sampleCount,
  scrapeChecked,
} from "../helpers/exposition-check.js";
import { expectGolden } from "../helpers/golden.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/**
 * The whole /metrics of a first poll of the seed's documented example (test/fixtures/
 * seed-usage-response.json, served byte for byte by the simulator) against seed-metrics.txt:
 * what an operator's first scrape shows, to be read as documentation (json_exporter's
 * test/response/*.txt). Regenerate: UPDATE_GOLDEN=1 npx vitest run test/golden
 *
 * Normalised, and nothing else:
 * - the clock (Date only; timers run) stands still at CLOCK: every timestamp of the poll and of
 *   the token is that instant (the refresh token's expiry 90 days later), every duration 0;
 * - process_* and nodejs_* keep their HELP and TYPE lines, not their samples (the runtime's
 *   values, and label sets: heap spaces, GC kinds, handle types differ between Node.js lines);
 * - the build info's labels read version="<version>", revision="<revision>" and
 *   nodejs_version="<nodejs_version>".
 */
const CLOCK = Date.UTC(2017, 2, 11); // 2017-03-11T00:00:00Z, the day after the seed's data
const GOLDEN = new URL("./seed-metrics.txt", import.meta.url);
const SEED = new URL("../fixtures/seed-usage-response.json", import.meta.url);
const RUNTIME = /^(process|nodejs)_/;
const isSample = (line: string): boolean => line !== "" && !line.startsWith("#");

function normalise(scrape: string): string {
  const { revision } = BUILD_INFO;
  const buildInfo = `{version="${VERSION}",revision="${revision}",nodejs_version="${process.versions.node}"}`;
  expect(scrape).toContain(`partner_center_exporter_build_info${buildInfo} 1\n`);
  return scrape
    .replace(
      buildInfo,
      '{version="<version>",revision="<revision>",nodejs_version="<nodejs_version>"}',
    )
    .split("\n")
    .filter((line) => !RUNTIME.test(line))
    .join("\n");
}

let harness: Harness;
let scrape: string;
beforeAll(async () => {
  vi.useFakeTimers({ toFake: ["Date"], now: CLOCK });
  harness = await startHarness({ usageBody: await readFile(SEED, "utf8") });
  scrape = await harness.scrape();
});
afterAll(async () => {
  await harness?.close();
  vi.useRealTimers();
});

describe("golden: the whole /metrics of the seed's documented example", () => {
  it("is seed-metrics.txt once the runtime's values are normalised", async () => {
    await expectGolden(normalise(scrape), GOLDEN);
  });

  it("seed-metrics.txt passes promtool and the Python client's text parser", async () => {
    const golden = await readFile(GOLDEN, "utf8");
    const families = await checkExposition(golden, "text");
    const live = await checkExposition(scrape, "text");
    // The same families as the live scrape, each with as many samples, but for the runtime's.
    const shape = (parsed: readonly ParsedFamily[]) =>
      parsed.map(({ name, type, help, samples }) => ({
        name,
        type,
        help,
        samples: RUNTIME.test(name) ? 0 : samples.length,
      }));
    expect(shape(families)).toEqual(shape(live));
    expect(sampleCount(families)).toBe(golden.split("\n").filter(isSample).length);
  });

  it.each(SCRAPE_VARIANTS)(
    "the live scrape passes every strict parser ($format, gzip $gzip)",
    async (variant) => {
      const checked = await scrapeChecked(`${harness.exporter.url}/metrics`, variant);
      expect(checked.contentEncoding).toBe(variant.gzip ? "gzip" : undefined);
    },
  );
});
