import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

/**
 * A full run, demo and faulty, in-process and as the built CLI: every log line and every HTTP
 * answer (status line, headers, body) is searched for every secret the run knew.
 */

/** The base64url JWT header every access token starts with ({"typ":"JWT",...). */
const JWT_HEADER = "eyJ0eXAiOiJKV1Qi";
const PASSWORD = "scrape-password-0123456789";

let harness: Harness | undefined;
let cli: Spawned | undefined;
let simulator: PartnerCenterSimulator | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await harness?.close();
  await cli?.stop();
  await simulator?.stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  harness = undefined;
  cli = undefined;
  simulator = undefined;
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pce-secrets-"));
  dirs.push(dir);
  return dir;
}

async function authConfig(dir: string): Promise<string> {
  const file = join(dir, "web.yml");
  await writeFile(file, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(PASSWORD, 4)}\n`);
  return file;
}

const basic = (credentials: string) => ({
  Authorization: `Basic ${Buffer.from(credentials).toString("base64")}`,
});

/** Every endpoint, with good, wrong and no credentials, and odd methods: the whole answer as text. */
async function everyAnswer(url: string): Promise<string[]> {
  const answers: string[] = [];
  const credentials = [`prometheus:${PASSWORD}`, "prometheus:wrong", `${PASSWORD}:${PASSWORD}`];
  for (const path of ["/metrics", "/", "/healthz", "/readyz", "/nope"]) {
    for (const headers of [{}, ...credentials.map(basic)]) {
      for (const method of ["GET", "HEAD", "POST"]) {
        const res = await fetch(`${url}${path}`, { method, headers });
        answers.push(`${res.status} ${JSON.stringify([...res.headers])}\n${await res.text()}`);
      }
    }
  }
  return answers;
}

function expectNoSecret(haystack: string[], secrets: readonly string[]): void {
  const text = haystack.join("\n");
  expect(text.length).toBeGreaterThan(1000);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    if (text.includes(secret)) throw new Error(`a secret leaked: ${secret.slice(0, 6)}...`);
  }
  expect(text).not.toContain(JWT_HEADER);
}

describe("no secret in any log line or HTTP answer", () => {
  it("in-process: demo data, then every fault the simulator knows, restarts included", async () => {
    const dir = await tempDir();
    harness = await startHarness({ env: { WEB_CONFIG_FILE: await authConfig(dir) } });
    const h = harness;
    const sim = h.simulator;
    const answers: string[] = [];
    const poll = async () => {
      await h.exporter.poller.pollOnce();
      answers.push(...(await everyAnswer(h.exporter.url)));
    };
    await poll();
    for (const fault of [
      { target: "usage" as const, status: 500, times: 3 },
      { target: "usage" as const, status: 429, retryAfter: "0", times: 3 },
      { target: "usage" as const, status: 403 },
      { target: "usage" as const, status: 200, body: "<html>proxy</html>" },
      { target: "usage" as const, hang: true, times: 3 },
    ]) {
      sim.faults.push(fault);
      await poll();
    }
    sim.expireAccessTokens();
    await poll(); // 401, refresh, rotation
    sim.faults.push({ target: "token", status: 503, times: 3 });
    sim.expireAccessTokens();
    await poll(); // token endpoint down
    sim.faults.clear();
    await h.restart();
    await poll();
    sim.revokeRefreshToken(sim.currentRefreshToken);
    sim.expireAccessTokens();
    await poll(); // invalid_grant
    expectNoSecret(
      [...h.logs.raw, ...answers],
      [sim.clientSecret, ...sim.issuedRefreshTokens, PASSWORD],
    );
    expect(sim.issuedRefreshTokens.length).toBeGreaterThanOrEqual(4);
  });

  it("the built CLI: secrets from env and *_FILE, faults, debug logs, SIGTERM, and a bad-config run", async () => {
    const dir = await tempDir();
    simulator = new PartnerCenterSimulator();
    const sim = simulator;
    const url = await sim.start();
    const secretFile = join(dir, "client-secret");
    await writeFile(secretFile, `${sim.clientSecret}\n`);
    const env = {
      AZURE_TENANT_ID: sim.tenantId,
      AZURE_CLIENT_ID: sim.clientId,
      AZURE_CLIENT_SECRET_FILE: secretFile,
      PARTNER_CENTER_REFRESH_TOKEN: sim.initialRefreshToken,
      AZURE_AUTHORITY_HOST: url,
      PARTNER_CENTER_URL: url,
      STATE_DIR: join(dir, "state"),
      POLL_INTERVAL: "200ms",
      REQUEST_TIMEOUT: "300ms",
      RETRY_BACKOFF: "10ms",
      MAX_RETRY_AFTER: "100ms",
      LOG_LEVEL: "debug",
      WEB_CONFIG_FILE: await authConfig(dir),
    };
    cli = spawnCli(["--web.listen-address=127.0.0.1:0", "--log.format=json"], env);
    const line = await cli.waitFor(/partner-center-exporter listening/, 10_000);
    const exporterUrl = (JSON.parse(line) as { url: string }).url;
    await cli.waitFor(/"msg":"poll succeeded"/, 10_000);
    const answers = await everyAnswer(exporterUrl);
    sim.faults.push(
      { target: "usage", status: 500, times: 3 },
      { target: "usage", status: 429, retryAfter: "1", times: 2 },
      { target: "usage", status: 200, body: '{"items": [' },
    );
    sim.expireAccessTokens();
    const until = Date.now() + 1_500;
    while (Date.now() < until) answers.push(...(await everyAnswer(exporterUrl)));
    sim.faults.push({ target: "token", status: 503, times: 3 });
    sim.expireAccessTokens();
    await new Promise((r) => setTimeout(r, 500));
    answers.push(...(await everyAnswer(exporterUrl)));
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    const logs = [cli.stdout(), cli.stderr()];

    // A bad configuration, with the secrets set: the problem lines must not echo them.
    const bad = spawnCli([], {
      ...env,
      AZURE_CLIENT_SECRET: sim.clientSecret,
      AZURE_CLIENT_SECRET_FILE: "",
      POLL_INTERVAL: "often",
      PARTNER_CENTER_URL: `https://user:${PASSWORD}@example.invalid`,
    });
    expect(await bad.exited).toBe(2);
    logs.push(bad.stdout(), bad.stderr());

    expect(sim.issuedRefreshTokens.length).toBeGreaterThanOrEqual(3);
    expectNoSecret([...logs, ...answers], [sim.clientSecret, ...sim.issuedRefreshTokens, PASSWORD]);
  });

  it("the built CLI in --demo mode: no generated secret (sim~..., 0.sim...) in its output, no fault control", async () => {
    cli = spawnCli([
      "--demo",
      "--web.listen-address=127.0.0.1:0",
      "--log.format=json",
      "--log.level=debug",
      "--poll.interval=200ms",
    ]);
    const line = await cli.waitFor(/partner-center-exporter listening/, 10_000);
    const url = (JSON.parse(line) as { url: string }).url;
    const simulatorUrl = (
      JSON.parse(await cli.waitFor(/demo mode/, 10_000)) as { simulator: string }
    ).simulator;
    await cli.waitFor(/"msg":"poll succeeded"/, 10_000);
    // The shipped simulator takes no faults over HTTP: whoever reaches its port cannot make the
    // demo fail (faults are queued in-process, by tests).
    const injected = await fetch(`${simulatorUrl}/_simulator/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([{ target: "usage", status: 500, times: 2 }]),
    });
    expect(injected.status).toBe(404);
    await new Promise((r) => setTimeout(r, 800));
    const answers = await everyAnswer(url);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    const text = [cli.stdout(), cli.stderr(), ...answers].join("\n");
    expect(text).toMatch(/"msg":"poll succeeded"/);
    expect(text).not.toMatch(/sim~[A-Za-z0-9_-]{8}/);
    expect(text).not.toMatch(/0\.sim\.[A-Za-z0-9_-]{8}/);
    expect(text).not.toContain(JWT_HEADER);
  });
});
