import { mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, sampleValue, startHarness } from "../helpers/harness.js";
import { expectCountedRefusal } from "../helpers/sign-in-refusals.js";

/**
 * AKS workload identity, end to end: the simulator projects the service-account token to a file
 * (as the kubelet does) and accepts only the tokens it wrote and still honours; the exporter sends
 * the file's content as the client assertion, read afresh for every grant.
 */

let harness: Harness;
let dir: string;
let tokenFile: string;
beforeEach(async () => {
  harness = await startHarness();
  dir = await mkdtemp(join(tmpdir(), "pce-wi-"));
  tokenFile = join(dir, "azure-identity-token");
});
afterEach(async () => {
  await harness.close();
  await rm(dir, { recursive: true, force: true });
});

/** The env the webhook injects; its AZURE_AUTHORITY_HOST ends with a slash. */
function workloadIdentityEnv(): Record<string, string> {
  return {
    AZURE_CLIENT_SECRET: "",
    AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    AZURE_AUTHORITY_HOST: `${harness.simulator.url}/`,
  };
}

const lastAssertion = (): string | undefined =>
  harness.simulator.authority.presentedAssertions.at(-1);

async function pollAgain(): Promise<string> {
  harness.simulator.expireAccessTokens();
  await harness.exporter.poller.pollOnce();
  return harness.scrape();
}

function expectNoTokenLogged(): void {
  const text = harness.logs.raw.join("\n");
  for (const token of harness.simulator.authority.federation.issued) {
    expect(text.includes(token)).toBe(false);
  }
}

describe("workload identity (AZURE_FEDERATED_TOKEN_FILE)", () => {
  it("sends the token as the assertion, and the rotated one after the kubelet rotates the file", async () => {
    const first = await harness.simulator.authority.writeFederatedToken(tokenFile);
    await harness.restart(workloadIdentityEnv());
    expect(sampleValue(await harness.scrape(), "partner_center_up")).toBe(1);
    expect(lastAssertion()).toBe(first);
    // The simulator stops accepting the old token: only a fresh read can succeed.
    const second = await harness.simulator.authority.writeFederatedToken(tokenFile);
    expect(sampleValue(await pollAgain(), "partner_center_up")).toBe(1);
    expect(lastAssertion()).toBe(second);
    expect(harness.simulator.tokenRequests().every((r) => r.status === 200)).toBe(true);
    expectNoTokenLogged();
  });

  it("an expired token: AADSTS700024, counted, with what to check", async () => {
    await harness.simulator.authority.writeFederatedToken(tokenFile, { lifetimeSeconds: -900 });
    await harness.restart(workloadIdentityEnv());
    const line = await expectCountedRefusal(harness, "invalid_client", 700024);
    expect(line?.action).toMatch(/AZURE_FEDERATED_TOKEN_FILE expired/);
    expectNoTokenLogged();
  });

  it("a token no federated credential matches: AADSTS70021, and the log names the federated credential to add", async () => {
    await harness.simulator.authority.writeFederatedToken(tokenFile);
    // Revoked by the next one, which goes elsewhere: the file holds a token the app does not trust.
    await harness.simulator.authority.writeFederatedToken(join(dir, "elsewhere"), {
      revokePrevious: true,
    });
    await harness.restart(workloadIdentityEnv());
    const line = await expectCountedRefusal(harness, "invalid_request", 70021);
    expect(line?.msg).toMatch(/No matching federated identity record found/);
    expect(line?.action).toMatch(/system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT/);
    expectNoTokenLogged();
  });

  it("a token file that vanished: the poll fails as auth, says so, and recovers once it is back", async () => {
    await harness.simulator.authority.writeFederatedToken(tokenFile);
    await harness.restart(workloadIdentityEnv());
    await unlink(tokenFile);
    expect(sampleValue(await pollAgain(), "partner_center_up")).toBe(0);
    expect(harness.logs.raw.join("\n")).toMatch(/cannot read AZURE_FEDERATED_TOKEN_FILE/);
    await harness.simulator.authority.writeFederatedToken(tokenFile);
    expect(sampleValue(await pollAgain(), "partner_center_up")).toBe(1);
  });
});
