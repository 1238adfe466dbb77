import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startDemo } from "../../simulator/demo.js";
import { TOKEN_FILE } from "../../src/auth/refresh-token-store.js";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { loadConfig } from "../../src/config/load-config.js";
import type { RunningExporter } from "../../src/exporter/start-exporter.js";
import {
  checkExposition,
  family,
  type ParsedFamily,
  SCRAPE_VARIANTS,
  scrapeChecked,
} from "../helpers/exposition-check.js";
import {
  type Harness,
  samplesOf,
  sampleValue,
  startHarness,
  usageItem,
} from "../helpers/harness.js";
import { captureLogs } from "../helpers/log-sink.js";

const item = usageItem;

const USAGE = "partner_license_usage_percent";
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function pollAndScrape(h: Harness): Promise<string> {
  await h.exporter.poller.pollOnce();
  return h.scrape();
}

describe("the exporter against the simulator", () => {
  it("publishes one series per item, and removes series that vanish", async () => {
    harness = await startHarness();
    harness.simulator.setUsageItems([item("Exchange", 81.5), item("Teams", 104.2)]);
    let text = await pollAndScrape(harness);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="Exchange",service="o365",channel="reseller"} 81.5`,
      `${USAGE}{workload="Teams",service="o365",channel="reseller"} 104.2`,
    ]);
    harness.simulator.setUsageItems([item("Teams", 99)]);
    text = await pollAndScrape(harness);
    const parsed = family(await checkExposition(text, "text"), USAGE).samples;
    expect(parsed.map((s) => s.labels.workload)).toEqual(["Teams"]);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="Teams",service="o365",channel="reseller"} 99`,
    ]);
    expect(samplesOf(text, "partner_license_usage_processed_timestamp_seconds")).toEqual([
      'partner_license_usage_processed_timestamp_seconds{workload="Teams",service="o365",channel="reseller"} 1795564800',
    ]);
  });

  it("keeps one series for duplicates: the newest processedDateTime wins", async () => {
    harness = await startHarness();
    harness.simulator.setUsageItems([
      item("Exchange", 10, { processedDateTime: "2026-11-20T00:00:00Z" }),
      item("Exchange", 30, { processedDateTime: "2026-11-24T00:00:00Z" }),
      item("Exchange", 20, { processedDateTime: "2026-11-22T00:00:00Z" }),
    ]);
    const text = await pollAndScrape(harness);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="Exchange",service="o365",channel="reseller"} 30`,
    ]);
    expect(
      sampleValue(
        text,
        'partner_center_items_skipped_total{collector="partner-usage",reason="duplicate"}',
      ),
    ).toBe(2);
  });

  it.each([
    ["429", { target: "usage" as const, status: 429, retryAfter: "0", times: 3 }, "throttled"],
    ["500", { target: "usage" as const, status: 500, times: 3 }, "http_error"],
    [
      "malformed body",
      { target: "usage" as const, status: 200, body: '{"items": [', times: 1 },
      "invalid_response",
    ],
    [
      "wrong shape",
      { target: "usage" as const, status: 200, body: '{"value": []}', times: 1 },
      "invalid_response",
    ],
    ["timeout", { target: "usage" as const, hang: true, times: 3 }, "timeout"],
  ])(
    "keeps the last good series during a %s, with up=0 and the reason counted",
    async (_name, fault, reason) => {
      harness = await startHarness();
      harness.simulator.setUsageItems([item("Exchange", 81.5)]);
      const good = await pollAndScrape(harness);
      expect(sampleValue(good, "partner_center_up")).toBe(1);
      const lastSuccess = sampleValue(good, "partner_center_last_success_timestamp_seconds");
      harness.simulator.setUsageItems([item("Exchange", 12)]);
      harness.simulator.faults.push(fault);
      const text = await pollAndScrape(harness);
      await checkExposition(text, "text");
      expect(samplesOf(text, USAGE)).toEqual(samplesOf(good, USAGE));
      expect(sampleValue(text, "partner_center_up")).toBe(0);
      expect(sampleValue(text, "partner_center_last_success_timestamp_seconds")).toBe(lastSuccess);
      expect(
        sampleValue(
          text,
          `partner_center_poll_errors_total{collector="partner-usage",reason="${reason}"}`,
        ),
      ).toBe(1);
      const failed = harness.logs
        .lines()
        .find((l) => l.msg === "collector failed; keeping its last good series");
      expect(failed).toMatchObject({ reason, collector: "partner-usage" });
      // And the next good poll brings the new data.
      const recovered = await pollAndScrape(harness);
      expect(sampleValue(recovered, "partner_center_up")).toBe(1);
      expect(samplesOf(recovered, USAGE)).toEqual([
        `${USAGE}{workload="Exchange",service="o365",channel="reseller"} 12`,
      ]);
    },
  );

  it("ends a poll at its deadline, even while a Retry-After asks to wait longer", async () => {
    harness = await startHarness({ env: { POLL_TIMEOUT: "300ms", MAX_RETRY_AFTER: "10s" } });
    harness.simulator.faults.push({ target: "usage", status: 429, retryAfter: "5" });
    const started = Date.now();
    const outcome = await harness.exporter.poller.pollOnce();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcome.results[0]).toMatchObject({ ok: false, reason: "throttled" });
  });

  it("runs one poll at a time: a second request for a poll joins the running one", async () => {
    harness = await startHarness();
    const before = harness.simulator.usageRequests().length;
    harness.simulator.faults.push({ target: "usage", delayMs: 200 });
    const [a, b] = await Promise.all([
      harness.exporter.poller.pollOnce(),
      harness.exporter.poller.pollOnce(),
    ]);
    expect(a).toBe(b);
    expect(harness.simulator.usageRequests().length - before).toBe(1);
  });

  it("skips unusable items, counts and logs them once per poll, and exports the rest", async () => {
    harness = await startHarness();
    const receivedSeries = 'partner_center_items_received_total{collector="partner-usage"}';
    const receivedBefore = sampleValue(await harness.scrape(), receivedSeries) ?? Number.NaN;
    harness.simulator.setUsageItems([
      item("Exchange", 50),
      item("", 1),
      item("Teams", "12"),
      item("Teams", Number.NaN),
      item("SharePoint", 5, { processedDateTime: "yesterday" }),
      item("OneDrive", 5, { serviceName: 42 }),
      "not an item",
    ]);
    const text = await pollAndScrape(harness);
    expect(samplesOf(text, USAGE)).toEqual([
      `${USAGE}{workload="Exchange",service="o365",channel="reseller"} 50`,
    ]);
    expect(sampleValue(text, "partner_center_up")).toBe(1);
    const skipped = (reason: string) =>
      sampleValue(
        text,
        `partner_center_items_skipped_total{collector="partner-usage",reason="${reason}"}`,
      );
    expect([
      skipped("missing_workload"),
      skipped("invalid_value"),
      skipped("invalid_date"),
    ]).toEqual([1, 2, 1]);
    expect([skipped("invalid_labels"), skipped("not_an_object")]).toEqual([1, 1]);
    expect(sampleValue(text, receivedSeries)).toBe(receivedBefore + 7);
    const warnings = harness.logs.lines().filter((l) => l.msg === "skipped unusable items");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.examples).toEqual([
      'items[1].workloadName is ""',
      'items[2].proratedLicensesUsagePercent is "12"',
      "items[3].proratedLicensesUsagePercent is null",
    ]);
  });

  it("on a 401 refreshes the access token once and retries", async () => {
    harness = await startHarness();
    harness.simulator.expireAccessTokens();
    const text = await pollAndScrape(harness);
    expect(sampleValue(text, "partner_center_up")).toBe(1);
    expect(
      harness.simulator
        .usageRequests()
        .slice(-2)
        .map((r) => r.status),
    ).toEqual([401, 200]);
    expect(sampleValue(text, 'partner_center_token_refreshes_total{result="success"}')).toBe(2);
    expect(
      sampleValue(
        text,
        'partner_center_api_requests_total{endpoint="/v1/analytics/licenses/usage",code="401"}',
      ),
    ).toBe(1);
  });

  it("persists the rotated refresh token and uses it after a restart, even with the configured one revoked", async () => {
    harness = await startHarness();
    const file = join(harness.stateDir, TOKEN_FILE);
    const saved = JSON.parse(await readFile(file, "utf8")) as { refreshToken: string };
    expect(saved.refreshToken).toBe(harness.simulator.currentRefreshToken);
    expect(saved.refreshToken).not.toBe(harness.configuredToken);
    // The simulator revoked the configured token when it rotated it; revoke it again to be explicit.
    harness.simulator.revokeRefreshToken(harness.configuredToken);
    const exporter = await harness.restart();
    const text = await harness.scrape();
    expect(sampleValue(text, "partner_center_up")).toBe(1);
    expect(exporter.poller.status.ready).toBe(true);
    expect(
      harness.logs.lines().some((l) => l.msg === "using the persisted (rotated) refresh token"),
    ).toBe(true);
  });

  it("uses a configured token that changed since the last run (the operator re-consented)", async () => {
    harness = await startHarness();
    // The operator signs in again: the authority hands out a new token, configured by hand.
    const fresh = "0.re-consented-token-value";
    const simulator = harness.simulator as unknown as { issuedRefreshTokens: string[] };
    expect(simulator.issuedRefreshTokens.length).toBeGreaterThan(1);
    harness.simulator.revokeRefreshToken(harness.simulator.currentRefreshToken);
    await harness.restart({ PARTNER_CENTER_REFRESH_TOKEN: fresh });
    // A refused grant's counters, labelled by OAuth error and AADSTS code, in both formats.
    for (const variant of SCRAPE_VARIANTS) {
      const { families } = await scrapeChecked(`${harness.exporter.url}/metrics`, variant);
      expect(family(families, "partner_center_token_refresh_failures").samples).toHaveLength(1);
    }
    // The fresh token is unknown to the simulator: the exporter must have tried it, not the persisted one.
    const lastGrant = harness.logs
      .lines()
      .find((l) => l.msg === "the configured refresh token changed since the last run; using it");
    expect(lastGrant).toBeDefined();
    expect(
      sampleValue(
        await harness.scrape(),
        'partner_center_token_refreshes_total{result="invalid_grant"}',
      ),
    ).toBe(1);
  });

  it("never lets a secret reach a log line or an HTTP response", async () => {
    harness = await startHarness();
    harness.simulator.faults.push(
      { target: "usage", status: 500 },
      { target: "usage", status: 429, retryAfter: "0" },
    );
    await harness.exporter.poller.pollOnce();
    harness.simulator.expireAccessTokens();
    await harness.exporter.poller.pollOnce();
    const restarted = await harness.restart();
    const pages = await Promise.all(
      ["/metrics", "/", "/healthz", "/readyz", "/nope"].map(async (path) =>
        (await fetch(`${restarted.url}${path}`)).text(),
      ),
    );
    const secrets = [harness.simulator.clientSecret, ...harness.simulator.issuedRefreshTokens];
    expect(secrets.length).toBeGreaterThan(3);
    const everything = [...harness.logs.raw, ...pages].join("\n");
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // Access tokens, too: the simulator never records them, so look for their JWT header instead.
    expect(everything).not.toContain("eyJ0eXAiOiJKV1Qi");
  });
});

describe("the HTTP endpoints", () => {
  it("answers /healthz, /readyz, / and 404 for anything else; GET and HEAD only", async () => {
    harness = await startHarness();
    const { url } = harness.exporter;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const landing = await fetch(`${url}/`);
    expect(landing.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await landing.text()).toContain('<a href="/metrics">Metrics</a>');
    expect((await fetch(`${url}/metrics/extra`)).status).toBe(404);
    const post = await fetch(`${url}/metrics`, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    const head = await fetch(`${url}/metrics`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("x-powered-by")).toBeNull();
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("is not ready until a poll has succeeded", async () => {
    harness = await startHarness({ env: { MAX_RETRIES: "0" } });
    const { simulator } = harness;
    simulator.revokeRefreshToken(simulator.currentRefreshToken);
    await harness.restart({ PARTNER_CENTER_REFRESH_TOKEN: "0.unknown-token" });
    expect((await fetch(`${harness.exporter.url}/readyz`)).status).toBe(503);
    expect(sampleValue(await harness.scrape(), "partner_center_up")).toBe(0);
    // Before any data: families without samples, the token expiry absent; still valid.
    for (const variant of SCRAPE_VARIANTS) {
      const { families } = await scrapeChecked(`${harness.exporter.url}/metrics`, variant);
      expect(family(families, USAGE).samples).toEqual([]);
    }
  });
});

describe("the demo", () => {
  let demo: RunningExporter | undefined;
  let stateDir: string | undefined;
  afterEach(async () => {
    await demo?.stop();
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
    demo = undefined;
  });

  /** The exporter as `--demo` runs it: the built-in simulator, every collector. */
  async function runDemo(): Promise<RunningExporter> {
    stateDir = await mkdtemp(join(tmpdir(), "pce-demo-"));
    const result = loadConfig({
      argv: ["--demo", "--web.listen-address=127.0.0.1:0", `--state.dir=${stateDir}`],
      env: {},
      readFile: (path) => readFileSync(path, "utf8"),
    });
    if (result.kind !== "run") throw new Error(`bad demo config: ${JSON.stringify(result)}`);
    const logs = captureLogs("info");
    const exporter = await startDemo(result.config, logs.logger, logs.scrubber);
    await exporter.poller.pollOnce();
    await exporter.poller.crawlOnce();
    return exporter;
  }

  /** Without the families that measure the process itself: they move between scrapes. */
  const ownFamilies = (families: readonly ParsedFamily[]): ParsedFamily[] =>
    families.filter((f) => !/^(process|nodejs)_/.test(f.name));

  it("serves every collector's series, in both formats, plain and gzip, through every strict parser", async () => {
    demo = await runDemo();
    const scrapes = [];
    for (const variant of SCRAPE_VARIANTS) {
      scrapes.push(await scrapeChecked(`${demo.url}/metrics`, variant));
    }
    const [first] = scrapes;
    for (const scrape of scrapes) {
      for (const collector of ALL_COLLECTORS) {
        for (const { name } of collector.families) {
          expect(family(scrape.families, name).samples.length).toBeGreaterThan(0);
        }
      }
      expect(family(scrape.families, "partner_center_up").samples[0]?.value).toBe(1);
      expect(ownFamilies(scrape.families)).toEqual(ownFamilies(first?.families ?? []));
    }
  });
});
