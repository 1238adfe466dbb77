import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TOKEN_FILE } from "../../src/auth/refresh-token-store.js";
import { FAST_ENV, sampleValue } from "../helpers/harness.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import { approveDeviceCode, signInInChromium } from "../helpers/sign-in.js";
import { stderrLine } from "../helpers/sign-in-refusals.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

let simulator: PartnerCenterSimulator;
let stateDir: string;
const children: Spawned[] = [];

beforeEach(async () => {
  simulator = new PartnerCenterSimulator({ deviceCodeIntervalSeconds: 1 });
  await simulator.start();
  stateDir = await mkdtemp(join(tmpdir(), "pce-login-"));
});
afterEach(async () => {
  for (const child of children.splice(0)) await child.stop();
  await simulator.stop();
  await rm(stateDir, { recursive: true, force: true });
});

function login(args: string[]): Spawned {
  const child = spawnCli(["login", ...args], {
    AZURE_TENANT_ID: simulator.tenantId,
    AZURE_CLIENT_ID: simulator.clientId,
    AZURE_CLIENT_SECRET: simulator.clientSecret,
    AZURE_AUTHORITY_HOST: simulator.url,
    STATE_DIR: stateDir,
  });
  children.push(child);
  return child;
}

async function savedToken(): Promise<string> {
  const file = join(stateDir, TOKEN_FILE);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  return (JSON.parse(await readFile(file, "utf8")) as { refreshToken: string }).refreshToken;
}

/** The exporter, started on the saved token alone (no PARTNER_CENTER_REFRESH_TOKEN), must poll. */
async function exporterPollsWithSavedToken(): Promise<void> {
  const exporter = spawnCli(["--log.format=json"], {
    ...FAST_ENV,
    AZURE_TENANT_ID: simulator.tenantId,
    AZURE_CLIENT_ID: simulator.clientId,
    AZURE_CLIENT_SECRET: simulator.clientSecret,
    AZURE_AUTHORITY_HOST: simulator.url,
    PARTNER_CENTER_URL: simulator.url,
    STATE_DIR: stateDir,
  });
  children.push(exporter);
  await exporter.waitFor(/"msg":"poll succeeded"/, 10_000);
  const url = (JSON.parse(await exporter.waitFor(/listening/, 1000)) as { url: string }).url;
  const text = await (await fetch(`${url}/metrics`)).text();
  expect(sampleValue(text, "partner_center_access_token_mfa")).toBe(1);
}

describe("partner-center-exporter login", () => {
  it("signs in through the browser flow (PKCE, loopback redirect) in real Chromium and saves the token", async () => {
    const child = login(["--flow", "browser", "--port", "0"]);
    const url = await stderrLine(child, /\/oauth2\/v2\.0\/authorize\?/);
    const authorize = new URL(url.trim());
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("redirect_uri")).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(authorize.searchParams.get("scope")).toContain("offline_access");

    expect(await signInInChromium(authorize)).toMatch(/^http:\/\/localhost:\d+\/\?code=/);
    expect(await child.exited).toBe(0);
    expect(child.stderr()).toMatch(/Signed in\. MFA: yes\./);
    const token = await savedToken();
    expect(simulator.issuedRefreshTokens).toContain(token);
    expect(child.stderr() + child.stdout()).not.toContain(token);
    await exporterPollsWithSavedToken();
  });

  it("signs in through the device-code flow and saves the token", async () => {
    const child = login(["--flow=device"]);
    expect(await approveDeviceCode(child, simulator.url)).toContain("You have signed in");
    expect(await child.exited).toBe(0);
    const token = await savedToken();
    expect(simulator.issuedRefreshTokens).toContain(token);
    // It waited politely: authorization_pending at least once, never a tight loop.
    const grants = simulator.tokenRequests();
    expect(grants.length).toBeLessThan(10);
    await exporterPollsWithSavedToken();
  });

  it("--print writes the token once to stdout and nothing to STATE_DIR", async () => {
    const child = login(["--flow=device", "--print"]);
    await approveDeviceCode(child, simulator.url);
    expect(await child.exited).toBe(0);
    const printed = child.stdout().trim();
    expect(simulator.issuedRefreshTokens).toContain(printed);
    expect(child.stdout()).toBe(`${printed}\n`);
    await expect(stat(join(stateDir, TOKEN_FILE))).rejects.toThrow(/ENOENT/);
  });

  it("fails with a clear line when the browser comes back with an error", async () => {
    const child = login(["--flow", "browser", "--port", "0"]);
    const url = new URL((await stderrLine(child, /\/oauth2\/v2\.0\/authorize\?/)).trim());
    const redirect = url.searchParams.get("redirect_uri") ?? "";
    const state = url.searchParams.get("state") ?? "";
    await fetch(
      `${redirect}?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent&state=${state}`,
    );
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toMatch(
      /login failed: sign-in failed: access_denied: AADSTS65004: User declined to consent/,
    );
  });

  it("with nothing set, points at the simulator subcommand, not at --demo", async () => {
    const child = spawnCli(["login"]);
    children.push(child);
    expect(await child.exited).toBe(2);
    const lines = child.stderr().trimEnd().split("\n");
    expect(lines).toContain(
      "configuration error: AZURE_TENANT_ID (--azure.tenant-id): required (set AZURE_TENANT_ID, or run `partner-center-exporter simulator` to rehearse without credentials)",
    );
    expect(lines.at(-1)).toMatch(/; or run `partner-center-exporter simulator` to rehearse/);
    expect(child.stderr()).not.toContain("--demo");
  });

  it("--help points at the simulator subcommand for a rehearsal", async () => {
    const child = spawnCli(["login", "--help"]);
    children.push(child);
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toMatch(/^Usage: partner-center-exporter login/);
    expect(child.stdout().replaceAll("\n", " ")).toContain(
      "run `partner-center-exporter simulator` and sign in to that",
    );
  });

  it("--demo refuses, naming the simulator subcommand", async () => {
    const child = spawnCli(["login", "--demo"]);
    children.push(child);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toBe(
      "configuration error: --demo: login signs in to a tenant and has no demo; run `partner-center-exporter simulator` to rehearse without credentials\n",
    );
  });
});
