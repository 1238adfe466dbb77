import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkExposition, family, sampleCount } from "../helpers/exposition-check.js";

const dir = new URL("./", import.meta.url);
const goldenFiles = readdirSync(dir).filter((name) => name.endsWith(".prom"));
const read = (name: string): string => readFileSync(new URL(name, dir), "utf8");

/** Lines that are samples, neither metadata nor blank. */
const sampleLines = (text: string): string[] =>
  text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));

describe("golden files: the expected expositions are themselves valid", () => {
  it("covers every golden file", () => {
    expect(goldenFiles.sort()).toEqual([
      "customer-subscriptions.prom",
      "customer-usage.prom",
      "seed-usage.prom",
    ]);
  });

  it.each(goldenFiles)("%s passes promtool and both Python parsers, read alike", async (name) => {
    const text = read(name);
    const asText = await checkExposition(text, "text");
    // A collector's segment is served as is in OpenMetrics too; the scrape ends it with # EOF.
    const asOpenMetrics = await checkExposition(`${text}# EOF\n`, "openmetrics");
    expect(asOpenMetrics).toEqual(asText);
    expect(sampleCount(asText)).toBe(sampleLines(text).length);
    for (const f of asText) expect(f.type).toBe("gauge");
  });

  it("keeps escaped label values exactly (customer-usage.prom)", async () => {
    const families = await checkExposition(read("customer-usage.prom"), "text");
    const active = family(families, "partner_customer_licenses_active").samples;
    expect(active.map((s) => s.labels.customer)).toEqual([
      'Contoso "Retail" Ltd',
      'Contoso "Retail" Ltd',
    ]);
    // Aggregated-away fields are absent labels, not empty ones.
    expect(Object.keys(active[1]?.labels ?? {})).not.toContain("product");
  });
});
