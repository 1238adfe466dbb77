import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuthError, renewHints } from "../../src/auth/errors.js";
import { parseTokenError } from "../../src/auth/token-client.js";
import { clientStack } from "../helpers/client-stack.js";
import { aadErrorBody, PartnerCenterSimulator } from "../helpers/simulator.js";
import { testDir } from "../helpers/temp-dir.js";

let simulator: PartnerCenterSimulator;
beforeEach(async () => {
  simulator = new PartnerCenterSimulator({ accessTokenLifetimeSeconds: 3600 });
  await simulator.start();
});
afterEach(async () => {
  await simulator.stop();
});

describe("AccessTokenProvider", () => {
  it("refreshes once for many concurrent callers and caches the access token", async () => {
    const { tokens, refreshes } = await clientStack(simulator);
    const all = await Promise.all(Array.from({ length: 10 }, () => tokens.getAccessToken()));
    expect(new Set(all).size).toBe(1);
    await tokens.getAccessToken();
    expect(simulator.tokenRequests()).toHaveLength(1);
    expect(refreshes).toEqual(["success"]);
  });

  it("persists each rotated refresh token, and uses the newest for the next grant", async () => {
    const { tokens, store, persisted } = await clientStack(simulator);
    const first = await tokens.getAccessToken();
    tokens.invalidate(first);
    await tokens.getAccessToken();
    expect(persisted).toEqual([true, true]);
    const saved = await store.load();
    expect(saved.kind === "found" && saved.token.refreshToken).toBe(simulator.currentRefreshToken);
    // The simulator revokes used tokens: the second grant only worked with the rotated one.
    expect(simulator.tokenRequests().map((r) => r.status)).toEqual([200, 200]);
  });

  it("refreshes shortly before the access token expires", async () => {
    await simulator.stop();
    simulator = new PartnerCenterSimulator({ accessTokenLifetimeSeconds: 1 });
    await simulator.start();
    const { tokens } = await clientStack(simulator);
    const first = await tokens.getAccessToken();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await tokens.getAccessToken()).not.toBe(first);
  });

  it("on invalid_grant, says what to do, counts it and does not ask again during the backoff", async () => {
    const { tokens, refreshes, logs } = await clientStack(simulator, {
      refreshToken: "revoked-or-unknown",
    });
    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({
      oauthError: "invalid_grant",
      aadsts: 700082,
      needsOperator: true,
    });
    expect((error as Error).message).toMatch(/what to do: the refresh token expired/);
    // A tight loop of polls must not become a tight loop of sign-in attempts.
    for (let i = 0; i < 5; i++) await tokens.getAccessToken().catch(() => undefined);
    expect(simulator.tokenRequests()).toHaveLength(1);
    expect(refreshes).toEqual(["invalid_grant"]);
    const line = logs.lines().find((l) => l.level === "error");
    expect(line).toMatchObject({ aadsts: 700082, oauthError: "invalid_grant", retryIn: "1m" });
  });

  it("retries a token endpoint that is briefly down", async () => {
    const { tokens, refreshes } = await clientStack(simulator);
    simulator.faults.push({ target: "token", status: 503 });
    await tokens.getAccessToken();
    expect(simulator.tokenRequests().map((r) => r.status)).toEqual([503, 200]);
    expect(refreshes).toEqual(["success"]);
  });

  it("retries a throttled token endpoint after its Retry-After, as the API client does", async () => {
    const { tokens, refreshes } = await clientStack(simulator);
    // The same retry statuses as the API: 408, 429 and 5xx (RETRY_STATUSES).
    simulator.faults.push({ target: "token", status: 429, retryAfter: "0" });
    simulator.faults.push({ target: "token", status: 408 });
    await tokens.getAccessToken();
    expect(simulator.tokenRequests().map((r) => r.status)).toEqual([429, 408, 200]);
    expect(refreshes).toEqual(["success"]);
  });

  it("keeps running on the token in memory when STATE_DIR refuses the write, and says so", async () => {
    const file = join(await testDir("pce-ro-"), "not-a-dir");
    await writeFile(file, "");
    const { tokens, persisted, logs } = await clientStack(simulator, {
      stateDir: join(file, "state"),
    });
    const first = await tokens.getAccessToken();
    expect(persisted).toEqual([false]);
    const line = logs.lines().find((l) => l.level === "error");
    expect(line?.msg).toMatch(
      /could not persist the rotated refresh token: running on the token in memory/,
    );
    expect(line?.code).toBe("ENOTDIR");
    // The used token was revoked on rotation: this grant only works with the one held in memory.
    tokens.invalidate(first);
    await tokens.getAccessToken();
    expect(simulator.tokenRequests().map((r) => r.status)).toEqual([200, 200]);
  });
});

describe("parseTokenError", () => {
  it.each([
    [700082, "invalid_grant", /expired \(unused for 90 days\)/],
    [50076, "invalid_grant", /MFA is required/],
    [50078, "invalid_grant", /MFA claim expired/],
    [700007, "invalid_grant", /issued to another client id/],
    [7000215, "invalid_client", /client secret is wrong/],
  ])("AADSTS%i (%s) names what the operator must do", (code, error, hint) => {
    const parsed = parseTokenError(400, aadErrorBody(error, code, "Something went wrong."));
    expect(parsed.aadsts).toBe(code);
    expect(parsed.needsOperator).toBe(true);
    expect(parsed.hint).toMatch(hint);
    expect(parsed.message).toContain(`(AADSTS${code})`);
    expect(parsed.message).not.toMatch(/Trace ID/);
  });

  it("names the setting the operator configured for the refresh token and the secret", () => {
    const body = aadErrorBody("invalid_grant", 70008, "Expired.");
    expect(parseTokenError(400, body).hint).toBe(
      "the refresh token expired or was revoked: sign in again with MFA (partner-center-exporter login), then set PARTNER_CENTER_REFRESH_TOKEN to the new refresh token and restart the exporter",
    );
    const files = renewHints({ refreshToken: "/run/secrets/rt", clientSecret: "/run/secrets/cs" });
    expect(parseTokenError(400, body, files).hint).toMatch(
      /write the new refresh token to \/run\/secrets\/rt \(PARTNER_CENTER_REFRESH_TOKEN_FILE\): it is read again without a restart$/,
    );
    const secret = aadErrorBody("invalid_client", 7000215, "Invalid client secret.");
    expect(parseTokenError(401, secret, files).hint).toBe(
      "the client secret is wrong or expired: write a current secret to /run/secrets/cs (AZURE_CLIENT_SECRET_FILE): it is read again without a restart",
    );
  });

  it("treats a 5xx without an OAuth error as transient", () => {
    const parsed = parseTokenError(503, "<html>down</html>");
    expect(parsed.needsOperator).toBe(false);
    expect(parsed.result).toBe("error");
  });
});
