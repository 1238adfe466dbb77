import { afterEach, describe, expect, it } from "vitest";
import {
  checkExposition,
  family,
  PYTHON_INTERPRETER,
  parseExposition,
  promtoolCheck,
  SCRAPE_VARIANTS,
  scrapeChecked,
} from "../helpers/exposition-check.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ODD_WORKLOAD = `Quote " and \\ and\nnewline, 日本語, tab\there, trailing \\`;

describe("strict parsers on the exporter's real /metrics output", () => {
  it.each(SCRAPE_VARIANTS)(
    "accept odd label values ($format, gzip $gzip) and read them back exactly",
    async (variant) => {
      harness = await startHarness();
      harness.simulator.setUsageItems([
        {
          proratedLicensesUsagePercent: 120.5,
          workloadName: ODD_WORKLOAD,
          processedDateTime: "2026-11-25T00:00:00Z",
          serviceName: "o365",
          channel: "reseller",
        },
      ]);
      await harness.exporter.poller.pollOnce();
      const scrape = await scrapeChecked(`${harness.exporter.url}/metrics`, variant);
      expect(scrape.contentEncoding).toBe(variant.gzip ? "gzip" : undefined);
      expect(scrape.text).toContain("partner_license_usage_percent{");
      expect(family(scrape.families, "partner_license_usage_percent").samples).toEqual([
        {
          name: "partner_license_usage_percent",
          labels: { workload: ODD_WORKLOAD, service: "o365", channel: "reseller" },
          value: 120.5,
          timestamp: null,
        },
      ]);
    },
  );
});

describe("the checks are real", () => {
  it("promtool rejects a broken exposition", async () => {
    const result = await promtoolCheck('# TYPE x gauge\nx{a="1" 1\n');
    expect(result.code).not.toBe(0);
  });

  it.each([
    ["no # EOF", "# TYPE a gauge\na 1\n", /Missing # EOF/],
    ["a blank line", "# TYPE a gauge\n\na 1\n# EOF\n", /blank line/],
    [
      "a counter family named with _total",
      "# TYPE a_total counter\na_total 1\n# EOF\n",
      /Clashing name: a_total/,
    ],
    ["metadata after samples", "# TYPE a gauge\na 1\n# HELP a A.\n# EOF\n", /metadata after/],
    ["an unescaped quote", '# TYPE a gauge\na{x="""} 1\n# EOF\n', /Invalid labels/],
    ["a line after # EOF", "# TYPE a gauge\na 1\n# EOF\na 2\n", /after # EOF/],
  ])("the OpenMetrics parser rejects %s", async (_name, body, message) => {
    await expect(parseExposition(body, "openmetrics")).rejects.toThrow(message);
  });

  it("the text-format check rejects broken labels, through either tool", async () => {
    await expect(parseExposition('# TYPE x gauge\nx{a="1 1\n', "text")).rejects.toThrow(
      /text parser refuses/,
    );
    await expect(checkExposition('# TYPE x gauge\nx{a="1" 1\n', "text")).rejects.toThrow(/refuses/);
  });

  it("fails, never skips, when the interpreter lacks the module, saying how to install it", async () => {
    // -S leaves dist-packages off the path: the interpreter as it is without the Debian package.
    await expect(
      parseExposition("# EOF\n", "openmetrics", [PYTHON_INTERPRETER, "-S"]),
    ).rejects.toThrow(
      "python3-prometheus-client is not installed: apt-get install -y python3-prometheus-client",
    );
  });

  it("reads families, types, help and samples, NaN and infinities included", async () => {
    const body =
      '# HELP a_total A "counter".\n# TYPE a_total counter\na_total{x="1"} 3\n# HELP g G.\n# TYPE g gauge\ng NaN\ng{y="2"} +Inf\n';
    expect(await checkExposition(body, "text")).toEqual([
      {
        name: "a",
        type: "counter",
        help: 'A "counter".',
        unit: "",
        samples: [{ name: "a_total", labels: { x: "1" }, value: 3, timestamp: null }],
      },
      {
        name: "g",
        type: "gauge",
        help: "G.",
        unit: "",
        samples: [
          { name: "g", labels: {}, value: "NaN", timestamp: null },
          { name: "g", labels: { y: "2" }, value: "+Inf", timestamp: null },
        ],
      },
    ]);
  });
});
