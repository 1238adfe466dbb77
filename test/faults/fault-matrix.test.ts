import { afterEach, describe, expect, it } from "vitest";
import { parseDuration } from "../../src/config/duration.js";
import { backoffDelay } from "../../src/net/backoff.js";
import {
  type Harness,
  samplesOf,
  sampleValue,
  startHarness,
  usageItem,
} from "../helpers/harness.js";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.js";

/**
 * The fault matrix (docs/reliability.md): one row per fault, each asserting what an operator
 * sees: the last good series kept, partner_center_up, the counters, the log line, and that the
 * exporter neither crashes nor hangs.
 */

const USAGE = "partner_license_usage_percent";
const UP = "partner_center_up";
const USAGE_ENDPOINT = "/v1/analytics/licenses/usage";
const item = usageItem;
const pollErrors = (reason: string) =>
  `partner_center_poll_errors_total{collector="partner-usage",reason="${reason}"}`;
const itemsSkipped = (reason: string) =>
  `partner_center_items_skipped_total{collector="partner-usage",reason="${reason}"}`;
const apiRequests = (code: string) =>
  `partner_center_api_requests_total{endpoint="${USAGE_ENDPOINT}",code="${code}"}`;

let harness: Harness | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await harness?.close();
  await proxy?.close();
  harness = undefined;
  proxy = undefined;
});

/** A harness that has published one good poll of `Exchange 81.5`; returns that scrape. */
async function goodStart(env: Record<string, string> = {}): Promise<{ h: Harness; good: string }> {
  const h = await startHarness({ env });
  harness = h;
  h.simulator.setUsageItems([item("Exchange", 81.5)]);
  await h.exporter.poller.pollOnce();
  const good = await h.scrape();
  expect(sampleValue(good, UP)).toBe(1);
  // What the next good poll would bring: proves the kept series are the old ones.
  h.simulator.setUsageItems([item("Exchange", 12)]);
  return { h, good };
}

/**
 * Routes the API (not the token authority) through a fault proxy: a restart on the same
 * STATE_DIR, whose first poll publishes `Exchange 12`; the next good poll would bring 33.
 */
async function throughProxy(h: Harness): Promise<{ p: FaultProxy; before: string }> {
  const p = await startFaultProxy(h.simulator.url);
  proxy = p;
  await h.restart({ PARTNER_CENTER_URL: p.url });
  const before = await h.scrape();
  expect(sampleValue(before, UP)).toBe(1);
  h.simulator.setUsageItems([item("Exchange", 33)]);
  return { p, before };
}

/** Asserts the failed poll's visible outcome and returns the collector-failed log line. */
async function expectKeptAfterFailure(h: Harness, good: string, reason: string, times = 1) {
  const text = await h.scrape();
  expect(samplesOf(text, USAGE)).toEqual(samplesOf(good, USAGE));
  expect(sampleValue(text, UP)).toBe(0);
  expect(sampleValue(text, pollErrors(reason))).toBe(times);
  const failed = h.logs
    .lines()
    .filter((l) => l.msg === "collector failed; keeping its last good series");
  expect(failed.at(-1)).toMatchObject({ reason, collector: "partner-usage", level: "warn" });
  return { text, logged: String(failed.at(-1)?.error) };
}

async function expectRecovery(h: Harness, value = 12): Promise<void> {
  await h.exporter.poller.pollOnce();
  const text = await h.scrape();
  expect(sampleValue(text, UP)).toBe(1);
  expect(samplesOf(text, USAGE)).toEqual([
    `${USAGE}{workload="Exchange",service="o365",channel="reseller"} ${value}`,
  ]);
}

function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms}ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

describe("fault matrix: the network and the API", () => {
  it("connection refused: series kept, up=0, reason network, recovers when the API is back", async () => {
    const { h, good } = await goodStart();
    const port = Number(new URL(h.simulator.url).port);
    await h.simulator.stop();
    await h.exporter.poller.pollOnce();
    const { text, logged } = await expectKeptAfterFailure(h, good, "network");
    expect(logged).toMatch(/ECONNREFUSED/);
    // One request and MAX_RETRIES=2 retries, each counted, none answered.
    expect(sampleValue(text, apiRequests("network"))).toBe(3);
    await h.simulator.start(port);
    await expectRecovery(h);
  });

  it("connection reset in the middle of a body: retried, then reason network; no half data", async () => {
    const { h } = await goodStart();
    const { p, before } = await throughProxy(h);
    p.faults.push("reset-mid-body", "reset-mid-body", "reset-mid-body");
    await within("a poll against resets", 10_000, h.exporter.poller.pollOnce());
    await expectKeptAfterFailure(h, before, "network");
    expect(p.faults).toEqual([]);
    await expectRecovery(h, 33);
  });

  it("a body that never finishes: each attempt times out (REQUEST_TIMEOUT), reason timeout", async () => {
    const { h } = await goodStart();
    const { p, before } = await throughProxy(h);
    p.faults.push("stall-mid-body", "stall-mid-body", "stall-mid-body");
    await within("a poll against a stalled body", 10_000, h.exporter.poller.pollOnce());
    const { logged } = await expectKeptAfterFailure(h, before, "timeout");
    expect(logged).toBe(`no answer to GET ${USAGE_ENDPOINT} within 400ms`);
    await expectRecovery(h, 33);
  });

  it("a body far larger than any real one (endless): stops reading at 64 MiB, reason invalid_response, not retried", async () => {
    // A generous request timeout: reading 64 MiB must hit the size limit, not the clock.
    const { h } = await goodStart({ REQUEST_TIMEOUT: "20s" });
    const { p, before } = await throughProxy(h);
    p.faults.push("endless-body", "endless-body");
    await within("a poll against an endless body", 20_000, h.exporter.poller.pollOnce());
    const { logged } = await expectKeptAfterFailure(h, before, "invalid_response");
    expect(logged).toMatch(/response body exceeds 67108864 bytes/);
    // Not retried (a second endless body is still queued), and the reader stopped: what was
    // sent is the limit plus what sockets buffer, never more.
    expect(p.faults).toEqual(["endless-body"]);
    expect(p.endlessBytes()).toBeLessThan(64 * 2 ** 20 + 32 * 2 ** 20);
    p.faults.length = 0;
    await expectRecovery(h, 33);
  });

  it("a corrupt gzip body: reason invalid_response, not retried (it will not improve)", async () => {
    const { h } = await goodStart();
    const { p, before } = await throughProxy(h);
    p.faults.push("corrupt-gzip", "corrupt-gzip");
    await within("a poll against a corrupt gzip body", 10_000, h.exporter.poller.pollOnce());
    const { logged } = await expectKeptAfterFailure(h, before, "invalid_response");
    expect(logged).toMatch(/does not decode as its Content-Encoding gzip \(incorrect data check\)/);
    // One attempt, answered 200: the second corrupt body is still queued, and no retry logged.
    expect(p.faults).toEqual(["corrupt-gzip"]);
    expect(h.logs.lines().filter((l) => l.msg === "retrying Partner Center request")).toEqual([]);
    p.faults.length = 0;
    await expectRecovery(h, 33);
  });

  it("a body larger than the limit that says so (Content-Length): refused before reading", async () => {
    // The in-process simulator takes a while to build a 65 MiB answer on a loaded machine: a
    // generous request timeout, so the size limit decides, not the clock (it flaked on Node 24).
    const { h, good } = await goodStart({ REQUEST_TIMEOUT: "20s", POLL_TIMEOUT: "30s" });
    h.simulator.setUsageBody(JSON.stringify({ items: [], padding: "x".repeat(65 * 2 ** 20) }));
    await h.exporter.poller.pollOnce();
    const { logged } = await expectKeptAfterFailure(h, good, "invalid_response");
    expect(logged).toMatch(/exceeds 67108864 bytes \(far more than any real answer/);
    h.simulator.setUsageBody(undefined);
    await expectRecovery(h);
  });

  it("a 429 storm with a huge Retry-After: the wait is capped at MAX_RETRY_AFTER", async () => {
    const { h, good } = await goodStart({ MAX_RETRY_AFTER: "200ms" });
    h.simulator.faults.push({ target: "usage", status: 429, retryAfter: "3600", times: Infinity });
    await within("a throttled poll", 10_000, h.exporter.poller.pollOnce());
    await expectKeptAfterFailure(h, good, "throttled");
    const waits = h.logs
      .lines()
      .filter((l) => l.msg === "retrying Partner Center request")
      .map((l) => l.delay);
    expect(waits).toEqual(["200ms", "200ms"]);
    h.simulator.faults.clear();
    await expectRecovery(h);
  });

  it("a 429 storm does not delay shutdown: stop() ends a poll waiting out a capped Retry-After", async () => {
    const { h } = await goodStart({ MAX_RETRY_AFTER: "2m" });
    h.simulator.faults.push({ target: "usage", status: 429, retryAfter: "3600", times: Infinity });
    const polling = h.exporter.poller.pollOnce();
    // The retry is logged once the 429's answer is read, a moment after the simulator sent it.
    const retrying = () => h.logs.lines().find((l) => l.msg === "retrying Partner Center request");
    await within(
      "the first 429's retry",
      5_000,
      (async () => {
        while (retrying() === undefined) await new Promise((r) => setTimeout(r, 10));
      })(),
    );
    expect(h.simulator.usageRequests().at(-1)?.status).toBe(429);
    const waiting = retrying();
    expect(waiting?.delay).toBe("2m");
    await within("stop() during a 2-minute Retry-After", 5_000, h.exporter.stop());
    expect((await polling).results[0]).toMatchObject({ ok: false, reason: "aborted" });
  });

  it("a 5xx storm: every poll makes exactly 1 + MAX_RETRIES requests, with exponential, capped backoff", async () => {
    const { h, good } = await goodStart({ MAX_RETRIES: "5", RETRY_BACKOFF: "5ms" });
    h.simulator.faults.push({ target: "usage", status: 503, times: Infinity });
    const before = h.simulator.usageRequests().length;
    for (let i = 0; i < 3; i++) await h.exporter.poller.pollOnce();
    expect(h.simulator.usageRequests().length - before).toBe(18);
    await expectKeptAfterFailure(h, good, "http_error", 3);
    const attempts = h.logs
      .lines()
      .filter((l) => l.msg === "retrying Partner Center request")
      .map((l) => ({ attempt: Number(l.attempt), delayMs: parseDuration(String(l.delay)) ?? -1 }));
    expect(attempts).toHaveLength(15);
    for (const { attempt, delayMs } of attempts) {
      const ceiling = Math.min(30_000, 5 * 2 ** (attempt - 1));
      expect(delayMs).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
      expect(delayMs).toBeLessThanOrEqual(ceiling);
    }
    // However many retries are configured, no single wait exceeds 30 s.
    expect(backoffDelay(40, 1_000, () => 1)).toBe(30_000);
    h.simulator.faults.clear();
    await expectRecovery(h);
  });
});

describe("fault matrix: sign-in", () => {
  it("the token endpoint answers 503: reason http_error (not auth), refresh counted as error, recovers", async () => {
    const { h, good } = await goodStart();
    h.simulator.faults.push({ target: "token", status: 503, times: Infinity });
    h.simulator.expireAccessTokens();
    await h.exporter.poller.pollOnce();
    const { text } = await expectKeptAfterFailure(h, good, "http_error");
    expect(sampleValue(text, 'partner_center_token_refreshes_total{result="error"}')).toBe(1);
    expect(h.logs.lines().some((l) => l.msg.startsWith("access token refresh failed"))).toBe(true);
    h.simulator.faults.clear();
    await expectRecovery(h);
  });

  it("the token endpoint unreachable: reason network, naming host:port and the system error code", async () => {
    const { h } = await goodStart();
    const authority = await startFaultProxy(h.simulator.url);
    await h.restart({ AZURE_AUTHORITY_HOST: authority.url });
    const before = await h.scrape();
    expect(sampleValue(before, UP)).toBe(1);
    await authority.close();
    h.simulator.expireAccessTokens();
    await h.exporter.poller.pollOnce();
    const { text, logged } = await expectKeptAfterFailure(h, before, "network");
    const host = new URL(authority.url).host;
    expect(logged).toContain(`network error on POST ${host}/${h.simulator.tenantId}/oauth2/token`);
    expect(logged).toMatch(/ECONNREFUSED/);
    expect(sampleValue(text, 'partner_center_token_refreshes_total{result="error"}')).toBe(1);
  });

  it("invalid_grant: asked once, then no tight loop while polls keep failing", async () => {
    const { h, good } = await goodStart({ POLL_INTERVAL: "100ms" });
    h.simulator.revokeRefreshToken(h.simulator.currentRefreshToken);
    h.simulator.expireAccessTokens();
    const tokenBefore = h.simulator.tokenRequests().length;
    const usageBefore = h.simulator.usageRequests().length;
    // About ten scheduled polls.
    await new Promise((r) => setTimeout(r, 1_100));
    const text = await h.scrape();
    expect(samplesOf(text, USAGE)).toEqual(samplesOf(good, USAGE));
    expect(sampleValue(text, UP)).toBe(0);
    expect(h.simulator.tokenRequests().length - tokenBefore).toBe(1);
    // One 401 from the API, then polls fail at once without calling anyone.
    expect(h.simulator.usageRequests().length - usageBefore).toBe(1);
    expect(sampleValue(text, pollErrors("auth"))).toBeGreaterThanOrEqual(5);
    expect(sampleValue(text, 'partner_center_token_refreshes_total{result="invalid_grant"}')).toBe(
      1,
    );
    const refused = h.logs
      .lines()
      .filter((l) => l.msg.startsWith("Partner Center sign-in refused"));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: "error", oauthError: "invalid_grant" });
    expect(String(refused[0]?.action)).toMatch(/sign in again/);
  });
});

describe("fault matrix: the data", () => {
  it("empty items: a successful poll with no series (the old ones disappear), up=1", async () => {
    const { h } = await goodStart();
    h.simulator.setUsageItems([]);
    await h.exporter.poller.pollOnce();
    const text = await h.scrape();
    expect(sampleValue(text, UP)).toBe(1);
    expect(samplesOf(text, USAGE)).toEqual([]);
    expect(samplesOf(text, "partner_license_usage_processed_timestamp_seconds")).toEqual([]);
  });

  it("odd label values (quotes, backslashes, newlines, non-Latin, very long) are escaped, never truncated", async () => {
    const { h } = await goodStart();
    const long = "Ω".repeat(5000);
    h.simulator.setUsageItems([
      item('Quote " and \\ backslash', 1),
      item("line\nbreak\r\ttab", 2),
      item("Exchange Онлайн 日本語 😀", 3, { channel: "réseller" }),
      item(long, 4),
      item("{}=,", 5, { serviceName: "" }),
    ]);
    await h.exporter.poller.pollOnce();
    const text = await h.scrape();
    expect(sampleValue(text, UP)).toBe(1);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="Quote \\" and \\\\ backslash",service="o365",channel="reseller"} 1`,
      `${USAGE}{workload="line\\nbreak\r\ttab",service="o365",channel="reseller"} 2`,
      `${USAGE}{workload="Exchange Онлайн 日本語 😀",service="o365",channel="réseller"} 3`,
      `${USAGE}{workload="${long}",service="o365",channel="reseller"} 4`,
      // An empty label is an absent one: it is left out.
      `${USAGE}{workload="{}=,",channel="reseller"} 5`,
    ]);
  });

  it("label sets that only look alike are apart; ones that print alike are one series", async () => {
    const { h } = await goodStart();
    h.simulator.setUsageItems([
      // A NUL inside a value: the key of the label set must not merge these two.
      item("a\u0000", 1, { serviceName: "b" }),
      item("a", 2, { serviceName: "\u0000b" }),
      // Lone surrogates: both print as U+FFFD, so they are one series, the newest row's.
      item("x\ud800", 3),
      item("x\ud801", 4, { processedDateTime: "2026-11-26T00:00:00+00:00" }),
    ]);
    await h.exporter.poller.pollOnce();
    const text = await h.scrape();
    expect(sampleValue(text, UP)).toBe(1);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="a\u0000",service="b",channel="reseller"} 1`,
      `${USAGE}{workload="a",service="\u0000b",channel="reseller"} 2`,
      `${USAGE}{workload="x\uFFFD",service="o365",channel="reseller"} 4`,
    ]);
    expect(sampleValue(text, itemsSkipped("duplicate"))).toBe(1);
  });

  it("a label value nested 100k levels deep: that row skipped (invalid_labels), the rest exported", async () => {
    const { h } = await goodStart();
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const good = JSON.stringify(item("Exchange", 12));
    const bad = JSON.stringify(item("placeholder", 1)).replace('"placeholder"', deep);
    h.simulator.setUsageBody(`{"totalCount":2,"items":[${bad},${good}]}`);
    await h.exporter.poller.pollOnce();
    const text = await h.scrape();
    expect(sampleValue(text, UP)).toBe(1);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="Exchange",service="o365",channel="reseller"} 12`,
    ]);
    expect(sampleValue(text, itemsSkipped("invalid_labels"))).toBe(1);
    const skipped = h.logs.lines().filter((l) => l.msg === "skipped unusable items");
    expect(skipped.at(-1)?.examples).toEqual([`items[0].workloadName is ${"[".repeat(60)}...`]);
  });

  it("values: above 100 and 0 exported as received; negative, NaN, strings, null and overflow skipped and counted", async () => {
    const { h } = await goodStart();
    // Built by hand: 1e999 parses to Infinity, which JSON.stringify cannot write.
    const items = [
      item("Negative", -5),
      item("NegativeTiny", -1e-9),
      item("Above", 250.5),
      item("Zero", 0),
      item("NaNString", "NaN"),
      item("NumberString", "12"),
      item("Null", null),
      item("Bool", true),
    ].map((i) => JSON.stringify(i));
    items.push(
      JSON.stringify(item("Overflow", 0)).replace(
        '"proratedLicensesUsagePercent":0',
        '"proratedLicensesUsagePercent":1e999',
      ),
    );
    h.simulator.setUsageBody(`{"totalCount":9,"items":[${items.join(",")}]}`);
    await h.exporter.poller.pollOnce();
    const text = await h.scrape();
    expect(sampleValue(text, UP)).toBe(1);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="Above",service="o365",channel="reseller"} 250.5`,
      `${USAGE}{workload="Zero",service="o365",channel="reseller"} 0`,
    ]);
    expect(sampleValue(text, itemsSkipped("invalid_value"))).toBe(7);
    const skipped = h.logs.lines().filter((l) => l.msg === "skipped unusable items");
    expect(skipped.at(-1)?.skipped).toEqual({ invalid_value: 7 });
    expect(skipped.at(-1)?.examples).toEqual([
      "items[0].proratedLicensesUsagePercent is -5",
      "items[1].proratedLicensesUsagePercent is -1e-9",
      'items[4].proratedLicensesUsagePercent is "NaN"',
    ]);
  });

  it("more rows than PARTNER_MAX_SERIES: reason too_many_series, series kept; at the cap it succeeds", async () => {
    const two = [item("Exchange", 12), item("SharePoint", 13)];
    const h = await startHarness({
      env: { PARTNER_MAX_SERIES: "2" },
      usageBody: JSON.stringify({ totalCount: 2, items: two }),
    });
    harness = h;
    const good = await h.scrape();
    expect(samplesOf(good, USAGE)).toHaveLength(2);
    h.simulator.setUsageBody(undefined);
    h.simulator.setUsageItems([...two, item("Teams", 14)]);
    await h.exporter.poller.pollOnce();
    const { logged } = await expectKeptAfterFailure(h, good, "too_many_series");
    expect(logged).toBe(
      "Partner Center reports 3 rows, over PARTNER_MAX_SERIES=2: raise PARTNER_MAX_SERIES",
    );
    h.simulator.setUsageItems([item("Exchange", 22), item("SharePoint", 23)]);
    await h.exporter.poller.pollOnce();
    const text = await h.scrape();
    expect(sampleValue(text, UP)).toBe(1);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="Exchange",service="o365",channel="reseller"} 22`,
      `${USAGE}{workload="SharePoint",service="o365",channel="reseller"} 23`,
    ]);
  });

  it("a bare NaN in the body is not JSON: the whole poll fails (invalid_response), series kept", async () => {
    const { h, good } = await goodStart();
    h.simulator.setUsageBody(
      '{"totalCount":1,"items":[{"proratedLicensesUsagePercent":NaN,"workloadName":"X"}]}',
    );
    await h.exporter.poller.pollOnce();
    const { logged } = await expectKeptAfterFailure(h, good, "invalid_response");
    expect(logged).toMatch(/body is not JSON/);
    h.simulator.setUsageBody(undefined);
    await expectRecovery(h);
  });
});
