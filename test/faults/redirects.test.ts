import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { type AppCertificate, makeAppCertificate } from "../helpers/client-certificates.js";
import { type Harness, samplesOf, sampleValue, startHarness } from "../helpers/harness.js";
import {
  REDIRECT_STATUSES,
  type RecordingServer,
  startRedirectTarget,
} from "../helpers/redirect-servers.js";

/**
 * Issue 19: a redirect from the token authority or the API, end to end. The exporter refuses it
 * (reason `redirect`, not retried), the other host receives nothing, nothing is persisted under
 * STATE_DIR, the last good series stay, partner_center_up is 0, and no secret reaches the log.
 */

const QUERY_SECRET = "code=query-secret-never-logged";
const UP = "partner_center_up";

let harness: Harness | undefined;
let target: RecordingServer;
const dirs: string[] = [];
beforeEach(async () => {
  target = await startRedirectTarget();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await target.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Every file under STATE_DIR with its content: the persisted refresh token among them. */
async function stateOf(h: Harness): Promise<Record<string, string>> {
  const files = await readdir(h.stateDir);
  const entries = await Promise.all(
    files.map(async (f) => [f, await readFile(join(h.stateDir, f), "utf8")] as const),
  );
  return Object.fromEntries(entries);
}

function expectNoSecretLogged(h: Harness, extra: readonly string[] = []): void {
  const text = h.logs.raw.join("\n");
  const { simulator } = h;
  for (const secret of [
    simulator.clientSecret,
    h.configuredToken,
    simulator.currentRefreshToken,
    QUERY_SECRET,
    ...extra,
  ]) {
    if (text.includes(secret)) throw new Error(`logged: ${secret.slice(0, 8)}...`);
  }
}

/** One poll against a redirect: refused, counted, logged; the state and the series as they were. */
/** What a failed poll (or crawl) of one collector logs. */
const KEPT_LAST_GOOD = [
  "collector failed; keeping its last good series",
  "crawl failed; keeping the last good series",
];

/** One poll of the polled collectors, then one crawl of the crawling ones (the renewals). */
async function pollAndCrawl(h: Harness): Promise<void> {
  await h.exporter.poller.pollOnce();
  await h.exporter.poller.crawlOnce();
}

async function expectRefused(
  h: Harness,
  status: number,
  collectors: readonly string[],
  requestsPerPoll: number,
): Promise<void> {
  const good = await h.scrape();
  const state = await stateOf(h);
  const before = h.simulator.requests.length;
  const logsBefore = h.logs.raw.length;
  await pollAndCrawl(h);
  const text = await h.scrape();
  expect(sampleValue(text, UP)).toBe(0);
  for (const line of good.split("\n").filter((l) => l.startsWith("partner_license_"))) {
    expect(text.split("\n")).toContain(line);
  }
  for (const collector of collectors) {
    const series = `partner_center_poll_errors_total{collector="${collector}",reason="redirect"}`;
    expect(sampleValue(text, series), `${collector} ${status}`).toBeGreaterThan(0);
  }
  // Not retried: one request per collector (or per grant) that met the redirect.
  expect(h.simulator.requests.length - before).toBe(requestsPerPoll);
  expect(await stateOf(h)).toEqual(state);
  const failed = h.logs
    .lines()
    .slice(logsBefore)
    .filter((l) => KEPT_LAST_GOOD.includes(String(l.msg)));
  expect(failed.length).toBe(collectors.length);
  const host = new URL(h.simulator.url).host;
  for (const line of failed) {
    expect(line.reason).toBe("redirect");
    expect(String(line.error)).toContain(
      `${host} answered ${status} redirecting to ${target.url}/steal`,
    );
  }
  expect(target.received).toEqual([]);
}

async function certificate(): Promise<AppCertificate> {
  const made = await makeAppCertificate("app");
  dirs.push(join(made.path, ".."));
  return made;
}

describe("the token authority redirects the refresh-token grant", () => {
  const modes: Record<string, () => Promise<Harness>> = {
    secret: () => startHarness(),
    certificate: async () => {
      const made = await certificate();
      return startHarness({
        simulator: { clientCertificates: [made.certificatePem] },
        env: { AZURE_CLIENT_SECRET: "", AZURE_CLIENT_CERTIFICATE_PATH: made.path },
      });
    },
    federated: async () => {
      const h = await startHarness();
      const dir = await mkdtemp(join(tmpdir(), "pce-wi-"));
      dirs.push(dir);
      const file = join(dir, "azure-identity-token");
      await h.simulator.authority.writeFederatedToken(file);
      await h.restart({ AZURE_CLIENT_SECRET: "", AZURE_FEDERATED_TOKEN_FILE: file });
      return h;
    },
  };

  it.each(Object.keys(modes))(
    "credential mode %s: 301, 302, 303, 307, 308 refused",
    async (mode) => {
      const h = await (modes[mode] as () => Promise<Harness>)();
      harness = h;
      expect(sampleValue(await h.scrape(), UP)).toBe(1);
      for (const status of REDIRECT_STATUSES) {
        h.simulator.faults.push({
          target: "token",
          status,
          location: `${target.url}/steal?${QUERY_SECRET}`,
        });
        h.simulator.expireAccessTokens();
        // One API request (its 401) and one grant, which is refused.
        await expectRefused(h, status, ["partner-usage"], 2);
        const text = await h.scrape();
        expect(
          sampleValue(text, 'partner_center_token_refreshes_total{result="error"}'),
        ).toBeGreaterThan(0);
        // The next poll signs in at the configured authority again and recovers.
        await h.exporter.poller.pollOnce();
        expect(sampleValue(await h.scrape(), UP)).toBe(1);
      }
      expectNoSecretLogged(h, h.simulator.authority.presentedAssertions);
    },
  );
});

describe("the API redirects", () => {
  it("every collector's request, each status: refused, not retried, never sent on", async () => {
    const names = ALL_COLLECTORS.map((c) => c.name);
    const h = await startHarness({
      simulator: { customers: 20 },
      env: { COLLECTORS: names.join(",") },
    });
    harness = h;
    const collectors = samplesOf(await h.scrape(), "partner_center_collector_success");
    expect(collectors.length).toBe(names.length);
    for (const status of REDIRECT_STATUSES) {
      h.simulator.faults.push({
        target: "api",
        status,
        location: `${target.url}/steal?${QUERY_SECRET}`,
        times: names.length,
      });
      await expectRefused(h, status, names, names.length);
      await pollAndCrawl(h);
      expect(sampleValue(await h.scrape(), UP)).toBe(1);
    }
    expectNoSecretLogged(h);
  });

  it("a next page redirects: the collector keeps its last good series whole", async () => {
    const h = await startHarness({
      simulator: { customers: 200 },
      env: { COLLECTORS: "customer-usage", CUSTOMER_PAGE_SIZE: "100" },
    });
    harness = h;
    for (const status of REDIRECT_STATUSES) {
      h.simulator.faults.push({
        target: "customer-usage",
        page: 2,
        status,
        location: `${target.url}/steal?${QUERY_SECRET}`,
      });
      // Page 1, then page 2's redirect; no page after it.
      await expectRefused(h, status, ["customer-usage"], 2);
      await h.exporter.poller.pollOnce();
      expect(sampleValue(await h.scrape(), UP)).toBe(1);
    }
    expectNoSecretLogged(h);
  });
});
