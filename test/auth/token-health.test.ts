import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.js";
import { type Harness, sampleValue, startHarness } from "../helpers/harness.js";

let harness: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Replaces a file the way Kubernetes updates a mounted Secret: a new file renamed over it. */
async function swapFile(path: string, content: string): Promise<void> {
  await writeFile(`${path}.new`, content);
  await rename(`${path}.new`, path);
}

describe("token health", () => {
  it("reports the last refresh, the refresh token's 90-day limit and the MFA claim", async () => {
    const before = Date.now() / 1000;
    harness = await startHarness();
    const text = await harness.scrape();
    const lastRefresh =
      sampleValue(text, "partner_center_token_last_refresh_timestamp_seconds") ?? 0;
    expect(lastRefresh).toBeGreaterThanOrEqual(before);
    const expiry = sampleValue(text, "partner_center_refresh_token_expiry_timestamp_seconds") ?? 0;
    // Rotated on that refresh: 90 days from then.
    expect(expiry - lastRefresh).toBeCloseTo(90 * 86_400, 0);
    expect(sampleValue(text, "partner_center_access_token_mfa")).toBe(1);
  });

  it("says so, in a metric and a log line, when the access token has no MFA claim", async () => {
    harness = await startHarness({ simulator: { mfa: false } });
    expect(sampleValue(await harness.scrape(), "partner_center_access_token_mfa")).toBe(0);
    const warning = harness.logs
      .lines()
      .find((l) => l.level === "warn" && /no MFA claim/.test(l.msg));
    expect(warning).toBeDefined();
  });

  it("counts refusals by OAuth error and AADSTS code", async () => {
    harness = await startHarness();
    harness.simulator.revokeRefreshToken(harness.simulator.currentRefreshToken);
    await harness.restart({ PARTNER_CENTER_REFRESH_TOKEN: "0.unknown-to-the-authority" });
    const text = await harness.scrape();
    expect(
      sampleValue(
        text,
        'partner_center_token_refresh_failures_total{error="invalid_grant",aadsts="700082"}',
      ),
    ).toBe(1);
    // Unknown until a grant succeeds: absent, not 0.
    expect(text).not.toMatch(/^partner_center_refresh_token_expiry_timestamp_seconds /m);
    expect(text).not.toMatch(/^partner_center_access_token_mfa /m);
  });
});

describe("secrets read from files", () => {
  it("picks up a new refresh token file without a restart, lifting the sign-in backoff", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pce-secret-"));
    dirs.push(dir);
    const tokenFile = join(dir, "refresh-token");
    await writeFile(tokenFile, "0.revoked-or-mistyped-token\n");
    harness = await startHarness({
      env: { PARTNER_CENTER_REFRESH_TOKEN: "", PARTNER_CENTER_REFRESH_TOKEN_FILE: tokenFile },
    });
    expect(sampleValue(await harness.scrape(), "partner_center_up")).toBe(0);
    // The hint names what the operator configured, the login command, and that no restart is needed.
    const refused = harness.logs
      .lines()
      .find((l) => l.msg.startsWith("Partner Center sign-in refused"));
    expect(refused?.action).toContain(
      `sign in again with MFA (partner-center-exporter login), then write the new refresh token to ${tokenFile} (PARTNER_CENTER_REFRESH_TOKEN_FILE): it is read again without a restart`,
    );
    // The operator signs in again and the secret store updates the mounted file.
    await swapFile(tokenFile, `${harness.simulator.currentRefreshToken}\n`);
    const outcome = await harness.exporter.poller.pollOnce();
    expect(outcome.ok).toBe(true);
    expect(
      harness.logs
        .lines()
        .some((l) => l.msg === "the configured refresh token changed; using it from now on"),
    ).toBe(true);
  });

  it("picks up a rotated client secret file without a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pce-secret-"));
    dirs.push(dir);
    const secretFile = join(dir, "client-secret");
    await writeFile(secretFile, "an-expired-client-secret\n");
    harness = await startHarness({
      env: { AZURE_CLIENT_SECRET: "", AZURE_CLIENT_SECRET_FILE: secretFile, MAX_RETRIES: "0" },
    });
    const failed = await harness.scrape();
    expect(
      sampleValue(
        failed,
        'partner_center_token_refresh_failures_total{error="invalid_client",aadsts="7000215"}',
      ),
    ).toBe(1);
    // invalid_client needs an operator: polls now fail fast without asking the authority again...
    const grants = harness.simulator.tokenRequests().length;
    await harness.exporter.poller.pollOnce();
    expect(harness.simulator.tokenRequests()).toHaveLength(grants);
    // ...until the secret file changes: then the next poll signs in with the new secret.
    await swapFile(secretFile, harness.simulator.clientSecret);
    const outcome = await harness.exporter.poller.pollOnce();
    expect(outcome.ok).toBe(true);
    expect(
      harness.logs
        .lines()
        .some((l) => l.msg === "the client credential changed; using it from now on"),
    ).toBe(true);
  });
});

describe("--cloud", () => {
  const base = {
    AZURE_TENANT_ID: "contoso.onmicrosoft.com",
    AZURE_CLIENT_ID: "c",
    AZURE_CLIENT_SECRET: "s3cr3t-value",
  };
  const load = (env: Record<string, string>, argv: string[] = []) => {
    const result = loadConfig({ argv, env: { ...base, ...env }, readFile: () => "" });
    if (result.kind !== "run") throw new Error(JSON.stringify(result));
    return result.config;
  };

  it.each([
    ["global", "https://login.microsoftonline.com", "https://api.partnercenter.microsoft.com"],
    ["usgov", "https://login.microsoftonline.us", "https://api.partnercenter.microsoft.com"],
    [
      "china",
      "https://login.chinacloudapi.cn",
      "https://partner.partnercenterapi.microsoftonline.cn",
    ],
  ])("%s picks its authority and API", (cloud, authority, api) => {
    const config = load({}, [`--cloud=${cloud}`]);
    expect([config.azure.authorityHost, config.partnerCenter.url]).toEqual([authority, api]);
    expect(config.azure.resource).toBe(
      cloud === "china" ? api : "https://api.partnercenter.microsoft.com",
    );
  });

  it("lets explicit URLs win over the cloud's", () => {
    const config = load({
      AZURE_CLOUD: "china",
      AZURE_AUTHORITY_HOST: "https://login.example.test",
    });
    expect(config.azure.authorityHost).toBe("https://login.example.test");
    expect(config.partnerCenter.url).toBe("https://partner.partnercenterapi.microsoftonline.cn");
  });
});
