import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";
import { startTinyproxy, type Tinyproxy } from "../helpers/tinyproxy.js";

/**
 * HTTPS_PROXY, HTTP_PROXY and NO_PROXY against a real proxy (Debian's tinyproxy, basic proxy
 * auth) and the built exporter: the token authority, the API and every page go through it, a
 * CONNECT tunnel for HTTPS; its refusals fail the poll as `network`, naming the proxy (never
 * its credentials).
 */

const USER = "pce";
const PASSWORD = "pr0xy-p4ss-w0rd";
let pki: TestPki;
let proxy: Tinyproxy;
beforeAll(async () => {
  pki = await makeTestPki();
  proxy = await startTinyproxy(USER, PASSWORD);
});
afterAll(async () => {
  await proxy?.stop();
  await rm(pki.dir, { recursive: true, force: true });
});

let simulator: PartnerCenterSimulator | undefined;
let cli: Spawned | undefined;
let stateDir: string | undefined;
afterEach(async () => {
  await cli?.stop();
  await simulator?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  cli = undefined;
  simulator = undefined;
  stateDir = undefined;
});

async function startSimulator(tls: boolean): Promise<string> {
  simulator = new PartnerCenterSimulator({
    customers: 30,
    ...(tls
      ? { tls: { cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey) } }
      : {}),
  });
  return simulator.start();
}

/** The built exporter against the simulator, every collector on, with these proxy variables. */
async function exporter(url: string, env: Record<string, string>): Promise<Spawned> {
  const sim = simulator as PartnerCenterSimulator;
  stateDir = await mkdtemp(join(tmpdir(), "pce-proxy-"));
  cli = spawnCli(["--web.listen-address=127.0.0.1:0", "--log.format=json"], {
    AZURE_TENANT_ID: sim.tenantId,
    AZURE_CLIENT_ID: sim.clientId,
    AZURE_CLIENT_SECRET: sim.clientSecret,
    PARTNER_CENTER_REFRESH_TOKEN: sim.initialRefreshToken,
    AZURE_AUTHORITY_HOST: url,
    PARTNER_CENTER_URL: url,
    STATE_DIR: stateDir,
    COLLECTORS: "partner-usage,partner-deployment,customer-usage,customer-deployment",
    CUSTOMER_PAGE_SIZE: "100",
    POLL_INTERVAL: "1h",
    REQUEST_TIMEOUT: "3s",
    MAX_RETRIES: "1",
    RETRY_BACKOFF: "10ms",
    // The simulator's certificate is the test CA's: trusted as an enterprise adds its own CA.
    NODE_EXTRA_CA_CERTS: pki.caCert,
    ...env,
  });
  return cli;
}

/** What tinyproxy logged from here on. */
function proxyLogSince(): () => string {
  const start = proxy.log().length;
  return () => proxy.log().slice(start);
}

describe("outbound proxy", () => {
  it.each([
    ["HTTPS_PROXY", true],
    ["HTTP_PROXY", false],
  ] as const)(
    "%s: every request goes through the proxy as a tunnel, with its credentials",
    async (variable, tls) => {
      const url = await startSimulator(tls);
      const logged = proxyLogSince();
      const running = await exporter(url, { [variable]: proxy.url });
      const ok = await running.waitFor(/"msg":"poll succeeded"/, 15_000);
      expect(ok).toContain('"ok":true');
      const sim = simulator as PartnerCenterSimulator;
      const tunnels = logged().match(/CONNECT 127\.0\.0\.1:\d+ HTTP/g) ?? [];
      // The token grant, the two legacy endpoints and every page of the customer ones (30 customers,
      // pages of 100 rows): each request its own tunnel or a reused one, never direct.
      expect(tunnels.length).toBeGreaterThanOrEqual(1);
      expect(sim.tokenRequests().length).toBeGreaterThanOrEqual(1);
      expect(sim.requests.filter((r) => r.path.includes("skip=100")).length).toBeGreaterThan(0);
      expect(running.stdout()).toMatch(/"msg":"outbound requests go through a proxy"/);
      expect(running.stdout()).toContain(`127.0.0.1:${proxy.port}`);
      expect(running.stdout() + running.stderr()).not.toContain(PASSWORD);
    },
  );

  it("NO_PROXY: a host it names goes direct", async () => {
    const url = await startSimulator(true);
    const logged = proxyLogSince();
    const running = await exporter(url, {
      HTTPS_PROXY: proxy.url,
      NO_PROXY: "localhost,127.0.0.1",
    });
    await running.waitFor(/"msg":"poll succeeded"/, 15_000);
    expect(logged()).not.toMatch(/CONNECT/);
  });

  it("the lowercase form wins, as in curl", async () => {
    const url = await startSimulator(true);
    const logged = proxyLogSince();
    const running = await exporter(url, {
      https_proxy: proxy.url,
      HTTPS_PROXY: "http://127.0.0.1:9",
    });
    await running.waitFor(/"msg":"poll succeeded"/, 15_000);
    expect(logged()).toMatch(/CONNECT 127\.0\.0\.1:\d+/);
  });

  it.each([
    [
      "wrong credentials",
      () => `http://${USER}:not-the-password@127.0.0.1:${proxy.port}`,
      /answered 401 to CONNECT/,
    ],
    ["nothing listening", () => "http://127.0.0.1:9", /failed: .*ECONNREFUSED/],
  ])(
    "a proxy that refuses (%s): the poll fails as network, the log names the proxy",
    async (_, proxyUrl, said) => {
      const url = await startSimulator(true);
      const given = proxyUrl();
      const running = await exporter(url, { HTTPS_PROXY: given, MAX_RETRIES: "0" });
      const failed = await running.waitFor(/"msg":"poll failed"/, 15_000);
      expect(failed).toContain('"partner-usage":"network"');
      const proxyHost = new URL(given).host;
      const why = running
        .stdout()
        .split("\n")
        .find((l) => l.includes("token") && l.includes(`proxy ${proxyHost}`));
      expect(why, running.stdout()).toMatch(said);
      expect(running.stdout()).not.toContain("not-the-password");
      expect((simulator as PartnerCenterSimulator).tokenRequests()).toHaveLength(0);
    },
  );
});
