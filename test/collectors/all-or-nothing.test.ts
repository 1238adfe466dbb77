import { afterEach, describe, expect, it } from "vitest";
import { checkExposition } from "../helpers/exposition-check.js";
import { type Harness, samplesOf, sampleValue, startHarness } from "../helpers/harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ACTIVE = "partner_customer_licenses_active";

describe("a collector's poll is all or nothing", () => {
  it("keeps the last good set whole when page 3 of 10 fails while the data changes; others unaffected", async () => {
    harness = await startHarness({
      simulator: { customers: 200 },
      env: {
        COLLECTORS: "partner-usage,customer-usage",
        CUSTOMER_PAGE_SIZE: "100",
        MAX_RETRIES: "1",
      },
    });
    const good = await harness.scrape();
    const goodSeries = samplesOf(good, ACTIVE);
    const pages = harness.simulator.requests.filter((r) =>
      r.path.includes("/commercial/usage/"),
    ).length;
    expect(pages).toBe(10);
    expect(goodSeries.length).toBeGreaterThan(900);

    // Partner Center re-aggregates (new values) and page 3 fails on every try.
    harness.simulator.setCustomerSeed(7);
    harness.simulator.setUsageItems([
      {
        proratedLicensesUsagePercent: 42,
        workloadName: "Exchange",
        serviceName: "o365",
        channel: "reseller",
        processedDateTime: "2026-11-26T00:00:00Z",
      },
    ]);
    harness.simulator.faults.push({ target: "customer-usage", page: 3, status: 500, times: 2 });
    await harness.exporter.poller.pollOnce();
    const during = await harness.scrape();
    // The last good set kept beside a failed collector's counters: still one valid exposition.
    await checkExposition(during, "text");
    expect(samplesOf(during, ACTIVE)).toEqual(goodSeries);
    expect(
      sampleValue(during, 'partner_center_collector_success{collector="customer-usage"}'),
    ).toBe(0);
    expect(sampleValue(during, 'partner_center_collector_success{collector="partner-usage"}')).toBe(
      1,
    );
    expect(sampleValue(during, "partner_center_up")).toBe(0);
    expect(samplesOf(during, "partner_license_usage_percent")).toEqual([
      'partner_license_usage_percent{workload="Exchange",service="o365",channel="reseller"} 42',
    ]);

    // The next poll reads all ten pages again and swaps the new set in whole.
    await harness.exporter.poller.pollOnce();
    const after = await harness.scrape();
    expect(sampleValue(after, "partner_center_up")).toBe(1);
    const afterSeries = samplesOf(after, ACTIVE);
    expect(afterSeries.length).toBeGreaterThan(900);
    expect(afterSeries).not.toEqual(goodSeries);
  });

  it("reports too_many_series as the reason when CUSTOMER_MAX_SERIES is exceeded", async () => {
    harness = await startHarness({
      simulator: { customers: 50 },
      env: { COLLECTORS: "customer-deployment", CUSTOMER_MAX_SERIES: "10" },
    });
    const text = await harness.scrape();
    expect(
      sampleValue(
        text,
        'partner_center_poll_errors_total{collector="customer-deployment",reason="too_many_series"}',
      ),
    ).toBe(1);
    expect(samplesOf(text, "partner_customer_licenses_sold")).toEqual([]);
    const line = harness.logs
      .lines()
      .find((l) => l.msg === "collector failed; keeping its last good series");
    expect(line?.error).toMatch(/CUSTOMER_MAX_SERIES=10/);
  });
});
