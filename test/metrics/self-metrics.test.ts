import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { REFRESH_RESULTS } from "../../src/auth/errors.js";
import { FAILURE_REASONS } from "../../src/errors/exporter-error.js";
import { createSelfMetrics, SELF_METRICS } from "../../src/metrics/self-metrics.js";
import { BUILD_INFO } from "../../src/version.js";
import { checkExposition, family } from "../helpers/exposition-check.js";

const collectors = [
  { name: "alpha", skipReasons: ["duplicate", "unusable"] },
  { name: "beta", skipReasons: [] },
];

async function startExposition(): Promise<string> {
  const registry = new Registry();
  createSelfMetrics(registry, { collectors, version: "1.2.3" });
  return registry.metrics();
}

describe("the self-metrics table", () => {
  it("declares each metric once, every one of the exporter's own", () => {
    const names = SELF_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^partner_center_[a-z_]+$/);
    for (const m of SELF_METRICS) {
      if (m.type === "counter") expect(m.name).toMatch(/_total$/);
    }
  });

  it("creates the metrics in declaration order, with the declared help, type and labels", async () => {
    const registry = new Registry();
    const metrics = createSelfMetrics(registry, { collectors, version: "1.2.3" });
    const json = await registry.getMetricsAsJSON();
    expect(json.map((m) => [m.name, m.help, m.type])).toEqual(
      SELF_METRICS.map((m) => [m.name, m.help, m.type]),
    );
    expect(Object.keys(metrics)).toEqual(SELF_METRICS.map((m) => m.name));
  });

  it("starts with exactly the declared series, which the strict parsers accept", async () => {
    const parsed = await checkExposition(Buffer.from(await startExposition()), "text");
    const values = (name: string) =>
      family(parsed, name).samples.map((s) => [s.labels, s.value] as const);
    expect(values("partner_center_up")).toEqual([[{}, 0]]);
    expect(values("partner_center_refresh_token_persisted")).toEqual([[{}, 1]]);
    // Unknown until the first grant: absent, not 0.
    expect(values("partner_center_refresh_token_expiry_timestamp_seconds")).toEqual([]);
    expect(values("partner_center_access_token_mfa")).toEqual([]);
    expect(values("partner_center_collector_duration_seconds")).toEqual([]);
    expect(values("partner_center_collector_success")).toEqual([
      [{ collector: "alpha" }, 0],
      [{ collector: "beta" }, 0],
    ]);
    expect(values("partner_center_poll_errors")).toEqual(
      ["alpha", "beta"].flatMap((collector) =>
        FAILURE_REASONS.map((reason) => [{ collector, reason }, 0]),
      ),
    );
    expect(values("partner_center_items_skipped")).toEqual([
      [{ collector: "alpha", reason: "duplicate" }, 0],
      [{ collector: "alpha", reason: "unusable" }, 0],
    ]);
    expect(values("partner_center_token_refreshes")).toEqual(
      REFRESH_RESULTS.map((result) => [{ result }, 0]),
    );
    expect(values("partner_center_exporter_build_info")).toEqual([
      [
        { version: "1.2.3", revision: BUILD_INFO.revision, nodejs_version: process.versions.node },
        1,
      ],
    ]);
  });
});
