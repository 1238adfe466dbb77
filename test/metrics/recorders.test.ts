import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AuthError } from "../../src/auth/errors.js";
import type { Collector } from "../../src/collectors/collector.js";
import { ApiRecorder } from "../../src/metrics/api-recorder.js";
import { PollRecorder } from "../../src/metrics/poll-recorder.js";
import { ScrapeCache } from "../../src/metrics/scrape-cache.js";
import { createSelfMetrics, type SelfMetrics } from "../../src/metrics/self-metrics.js";
import { TokenRecorder } from "../../src/metrics/token-recorder.js";
import type { PollOutcome } from "../../src/poller/poll-outcome.js";

const collector: Collector = {
  name: "fake",
  defaultEnabled: true,
  description: "a fake collector",
  families: [{ name: "fake_usage_percent", help: "Fake usage.", labelNames: ["service"] }],
  skipReasons: ["duplicate"],
  collect: async () => {
    throw new Error("not polled here");
  },
};

function setUp(): {
  registry: Registry;
  metrics: SelfMetrics;
  marks: { markChanged(): void; count: number };
} {
  const registry = new Registry();
  const metrics = createSelfMetrics(registry, { collectors: [collector], version: "t" });
  const marks = {
    count: 0,
    markChanged() {
      this.count++;
    },
  };
  return { registry, metrics, marks };
}

/** A PollRecorder writing into a real scrape cache over the same registry. */
function pollSetUp(): { registry: Registry; scrape: ScrapeCache; polls: PollRecorder } {
  const { registry, metrics } = setUp();
  const scrape = new ScrapeCache({
    collectorOrder: ["fake"],
    health: registry,
    process: undefined,
  });
  return { registry, scrape, polls: new PollRecorder(metrics, scrape) };
}

async function value(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value;
}

describe("ApiRecorder", () => {
  it("counts each request by endpoint and code, and marks the change", async () => {
    const { registry, metrics, marks } = setUp();
    const api = new ApiRecorder(metrics, marks);
    api.onRequest("/v1/usage", "200");
    api.onRequest("/v1/usage", "200");
    api.onRequest("/v1/usage", "timeout");
    const name = "partner_center_api_requests_total";
    expect(await value(registry, name, { endpoint: "/v1/usage", code: "200" })).toBe(2);
    expect(await value(registry, name, { endpoint: "/v1/usage", code: "timeout" })).toBe(1);
    expect(marks.count).toBe(3);
  });
});

describe("TokenRecorder", () => {
  it("counts grants by result and refusals by OAuth error and AADSTS code", async () => {
    const { registry, metrics, marks } = setUp();
    const tokens = new TokenRecorder(metrics, marks);
    tokens.onRefresh("success");
    tokens.onRefresh("invalid_grant", new AuthError("refused", "invalid_grant", 700082, 400));
    expect(
      await value(registry, "partner_center_token_refreshes_total", { result: "success" }),
    ).toBe(1);
    expect(
      await value(registry, "partner_center_token_refresh_failures_total", {
        error: "invalid_grant",
        aadsts: "700082",
      }),
    ).toBe(1);
    expect(marks.count).toBe(2);
  });

  it("shows the token's health once known, and absent again when it is not", async () => {
    const { registry, metrics, marks } = setUp();
    const tokens = new TokenRecorder(metrics, marks);
    tokens.onHealth({ refreshedAt: 2_000_000, mfa: true, refreshTokenIssuedAt: 1_000_000 });
    expect(await value(registry, "partner_center_token_last_refresh_timestamp_seconds")).toBe(2000);
    expect(await value(registry, "partner_center_access_token_mfa")).toBe(1);
    expect(await value(registry, "partner_center_refresh_token_expiry_timestamp_seconds")).toBe(
      1000 + 90 * 24 * 3600,
    );
    tokens.onHealth({ refreshedAt: 3_000_000, mfa: undefined, refreshTokenIssuedAt: undefined });
    expect(await value(registry, "partner_center_access_token_mfa")).toBeUndefined();
    expect(
      await value(registry, "partner_center_refresh_token_expiry_timestamp_seconds"),
    ).toBeUndefined();
    tokens.onPersisted(false);
    expect(await value(registry, "partner_center_refresh_token_persisted")).toBe(0);
    expect(marks.count).toBe(3);
  });
});

describe("PollRecorder", () => {
  const failed: PollOutcome = {
    correlationId: "c1",
    ok: false,
    startedAt: 0,
    finishedAt: 2_000,
    results: [{ collector, ok: false, reason: "throttled", error: "429", durationMs: 1_500 }],
  };
  const succeeded: PollOutcome = {
    correlationId: "c2",
    ok: true,
    startedAt: 10_000,
    finishedAt: 10_500,
    results: [
      {
        collector,
        ok: true,
        durationMs: 400,
        collection: {
          series: new Map([["fake_usage_percent", [{ labels: { service: "o365" }, value: 42 }]]]),
          received: 2,
          skipped: [{ reason: "duplicate", detail: "row 2" }],
        },
      },
    ],
  };

  it("records a failed and then a successful poll in the poll metrics", async () => {
    const { registry, polls } = pollSetUp();
    await polls.onPollComplete(failed);
    const labels = { collector: "fake" };
    expect(await value(registry, "partner_center_up")).toBe(0);
    expect(await value(registry, "partner_center_collector_success", labels)).toBe(0);
    expect(await value(registry, "partner_center_collector_duration_seconds", labels)).toBe(1.5);
    expect(
      await value(registry, "partner_center_poll_errors_total", { ...labels, reason: "throttled" }),
    ).toBe(1);
    await polls.onPollComplete(succeeded);
    expect(await value(registry, "partner_center_up")).toBe(1);
    expect(await value(registry, "partner_center_last_success_timestamp_seconds")).toBe(10.5);
    expect(await value(registry, "partner_center_collector_success", labels)).toBe(1);
    expect(await value(registry, "partner_center_items_received_total", labels)).toBe(2);
    expect(
      await value(registry, "partner_center_items_skipped_total", {
        ...labels,
        reason: "duplicate",
      }),
    ).toBe(1);
  });

  it("does not count a poll cut short by shutdown as an error", async () => {
    const { registry, polls } = pollSetUp();
    await polls.onPollComplete({
      ...failed,
      results: [{ collector, ok: false, reason: "aborted", error: "stop", durationMs: 1 }],
    });
    expect(
      await value(registry, "partner_center_poll_errors_total", {
        collector: "fake",
        reason: "aborted",
      }),
    ).toBe(0);
  });

  it("swaps the series in and invalidates the cached scrape body in the same step", async () => {
    const { scrape, polls } = pollSetUp();
    await polls.initialize([collector]);
    const first = await scrape.body(false, false);
    const before = (await first.bytes()).toString();
    expect(before).toContain("# TYPE fake_usage_percent gauge\n");
    expect(before).not.toContain('fake_usage_percent{service="o365"}');
    expect(await scrape.body(false, false)).toBe(first);
    await polls.onPollComplete(succeeded);
    const second = await scrape.body(false, false);
    expect(second).not.toBe(first);
    const after = (await second.bytes()).toString();
    expect(after).toContain('fake_usage_percent{service="o365"} 42\n');
    expect(after).toContain("partner_center_up 1\n");
  });
});
