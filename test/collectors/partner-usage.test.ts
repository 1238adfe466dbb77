import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { partnerDeploymentCollector } from "../../src/collectors/partner-deployment.js";
import { partnerUsageCollector } from "../../src/collectors/partner-usage.js";
import { RowSet } from "../../src/collectors/rows-collection.js";
import type { Row } from "../../src/partner-center/rows.js";
import { answering } from "../helpers/answering.js";
import { DEFAULT_COLLECTOR_OPTIONS } from "../helpers/collector-options.js";
import {
  checkedCollectorExposition,
  checkServedBodies,
  family,
  metricsAfterPoll,
} from "../helpers/exposition-check.js";
import { expectGolden } from "../helpers/golden.js";

const fixture = new URL("../fixtures/seed-usage-response.json", import.meta.url);
const golden = new URL("../golden/seed-usage.prom", import.meta.url);

const polledMetrics = (body: unknown) => metricsAfterPoll(partnerUsageCollector, body);
const expositionFor = (body: unknown) => checkedCollectorExposition(partnerUsageCollector, body);

describe("partner-usage collector", () => {
  it("turns the seed's sample response into exactly its five series (golden file)", async () => {
    const body: unknown = JSON.parse(await readFile(fixture, "utf8"));
    const text = await expositionFor(body);
    await expectGolden(text, golden);
    expect(
      text.split("\n").filter((l) => l.startsWith("partner_license_usage_percent{")),
    ).toHaveLength(5);
  });

  it("serves the seed's series in both formats, plain and gzip, through every strict parser", async () => {
    const body: unknown = JSON.parse(await readFile(fixture, "utf8"));
    const { text, openMetrics } = await checkServedBodies(await polledMetrics(body));
    expect(openMetrics).toEqual(text);
    const usage = family(text, "partner_license_usage_percent").samples;
    expect(usage.map((s) => [s.labels.workload, s.labels.service, s.value])).toEqual([
      ["Microsoft Dynamics CRM", "crm", 0],
      ["SharePoint", "crm", 0],
      ["Exchange", "o365", 0],
      ["SharePoint", "o365", 0],
      ["Skype For Business", "o365", 0],
    ]);
  });

  it("exports values as received: above 100 and fractional are never clamped; negative skipped", async () => {
    const item = (workload: string, value: number) => ({
      proratedLicensesUsagePercent: value,
      workloadName: workload,
      processedDateTime: "2026-11-25T00:00:00+00:00",
      serviceName: "o365",
      channel: "reseller",
    });
    const text = await expositionFor({
      items: [item("Teams", 137.25), item("Yammer", -3), item("Exchange", 0.0001)],
    });
    expect(text).toContain(
      'partner_license_usage_percent{workload="Teams",service="o365",channel="reseller"} 137.25',
    );
    expect(text).not.toContain('workload="Yammer"');
    expect(text).toContain(
      'partner_license_usage_percent{workload="Exchange",service="o365",channel="reseller"} 0.0001',
    );
  });

  it("skips a negative licence count as invalid_value, as it skips a negative percent", async () => {
    const row = (service: string, sold: number, percent: number) => ({
      serviceName: service,
      channel: "reseller",
      licensesSold: sold,
      proratedDeploymentPercent: percent,
      processedDateTime: "2026-11-25T00:00:00Z",
    });
    const collection = await partnerDeploymentCollector.collect({
      client: answering({ items: [row("o365", 10, 50), row("crm", -1, 50), row("dyn", 0, 0)] }),
      correlationId: "0e3b1f4c-6a7d-4e2b-9c1a-5f8d7e6c4b3a",
      signal: new AbortController().signal,
      options: DEFAULT_COLLECTOR_OPTIONS,
    });
    const sold = collection.series.get("partner_licenses_sold") ?? [];
    expect(sold.map((s) => [s.labels.service, s.value])).toEqual([
      ["o365", 10],
      ["dyn", 0],
    ]);
    expect(collection.skipped).toEqual([
      { reason: "invalid_value", detail: "items[1].licensesSold is -1" },
    ]);
  });

  it("escapes label values as the exposition format requires, without truncating them", async () => {
    const workload = `Quote " back \\ slash\nnew line, 日本語 and a long name ${"x".repeat(300)}`;
    const oddItem = {
      proratedLicensesUsagePercent: 1,
      workloadName: workload,
      processedDateTime: "2026-11-25T00:00:00Z",
      serviceName: "o365",
      channel: "reseller",
    };
    const text = await expositionFor({ items: [oddItem] });
    const escaped = workload
      .replaceAll("\\", "\\\\")
      .replaceAll("\n", "\\n")
      .replaceAll('"', '\\"');
    expect(text).toContain(`workload="${escaped}"`);
    // And both strict parsers read it back exactly, in both formats.
    const served = await checkServedBodies(await polledMetrics({ items: [oddItem] }));
    for (const families of [served.text, served.openMetrics]) {
      expect(family(families, "partner_license_usage_percent").samples[0]?.labels.workload).toBe(
        workload,
      );
    }
  });
});

/** RowSet on one page of rows: the newest per label set is kept, the others dropped. */
function selectNewest<L extends string, V extends string>(
  rows: readonly Row<L, V>[],
): { kept: Row<L, V>[]; dropped: Row<L, V>[] } {
  const set = new RowSet<L, V>();
  set.add({ rows, skipped: [] });
  return { kept: set.kept, dropped: set.dropped };
}

describe("selectNewest", () => {
  type UsageRow = Row<"workload" | "service" | "channel", "usagePercent">;
  const item = (processedAt: number, usagePercent: number, channel = "reseller"): UsageRow => ({
    labels: { workload: "Exchange", service: "o365", channel },
    values: { usagePercent },
    processedAt,
  });

  it("keeps one item per label set, the one with the newest processedDateTime, in any order", () => {
    for (const items of [
      [item(1, 10), item(3, 30), item(2, 20)],
      [item(3, 30), item(1, 10), item(2, 20)],
    ]) {
      const { kept, dropped } = selectNewest(items);
      expect(kept).toEqual([item(3, 30)]);
      expect(dropped).toHaveLength(2);
    }
  });

  it("treats label sets that differ in any label as different series", () => {
    const other = item(1, 5, "direct");
    expect(selectNewest([item(1, 10), other]).kept).toHaveLength(2);
  });

  it("never merges label sets whose values only join alike (a NUL inside a value)", () => {
    const row = (workload: string, service: string): UsageRow => ({
      labels: { workload, service, channel: "reseller" },
      values: { usagePercent: 1 },
      processedAt: 1,
    });
    const { kept, dropped } = selectNewest([row("a\u0000", "b"), row("a", "\u0000b")]);
    expect([kept.length, dropped.length]).toEqual([2, 0]);
  });
});
