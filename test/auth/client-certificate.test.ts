import { createHash, X509Certificate } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AppCertificate,
  keyMaterial,
  makeAppCertificate,
} from "../helpers/client-certificates.js";
import { type Harness, sampleValue, startHarness } from "../helpers/harness.js";
import { expectCountedRefusal } from "../helpers/sign-in-refusals.js";

/**
 * The exporter with a certificate credential, end to end against the simulator, which verifies
 * every assertion as Entra ID does (signature, thumbprint, aud, iss/sub, lifetime, jti).
 */

let harness: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function certificate(name: string, password?: string): Promise<AppCertificate> {
  const made = await makeAppCertificate(name, password === undefined ? {} : { password });
  dirs.push(join(made.path, ".."));
  return made;
}

function decode(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? "", "base64url").toString()) as Record<string, unknown>;
}

/** The header and claims of the newest assertion the simulator received. */
function lastAssertion(h: Harness): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
} {
  const [header, claims] = (h.simulator.authority.presentedAssertions.at(-1) ?? "").split(".");
  return { header: decode(header), claims: decode(claims) };
}

/** Nothing secret in any log line: the key's lines, the password, the assertions sent. */
function expectNoSecretLogged(h: Harness, made: AppCertificate): void {
  const text = h.logs.raw.join("\n");
  expect(text.length).toBeGreaterThan(200);
  for (const secret of [
    ...keyMaterial(made),
    made.password ?? "",
    ...h.simulator.authority.presentedAssertions,
  ]) {
    if (secret !== "" && text.includes(secret)) throw new Error(`logged: ${secret.slice(0, 8)}...`);
  }
}

const withCertificate = (made: AppCertificate, extra: Record<string, string> = {}) => ({
  simulator: { clientCertificates: [made.certificatePem] },
  env: { AZURE_CLIENT_SECRET: "", AZURE_CLIENT_CERTIFICATE_PATH: made.path, ...extra },
});

describe("a certificate credential (AZURE_CLIENT_CERTIFICATE_PATH)", () => {
  it("polls with a PS256 assertion: x5t#S256 of the certificate, aud the token URL, iss = sub = client id", async () => {
    const made = await certificate("app");
    harness = await startHarness(withCertificate(made));
    expect(sampleValue(await harness.scrape(), "partner_center_up")).toBe(1);
    const { header, claims } = lastAssertion(harness);
    const der = new X509Certificate(made.certificatePem).raw;
    expect(header).toEqual({
      alg: "PS256",
      typ: "JWT",
      "x5t#S256": createHash("sha256").update(der).digest("base64url"),
    });
    const { simulator } = harness;
    expect(claims).toMatchObject({
      aud: `${simulator.url}/${simulator.tenantId}/oauth2/token`,
      iss: simulator.clientId,
      sub: simulator.clientId,
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    const now = Date.now() / 1000;
    expect(Number(claims.nbf)).toBeLessThanOrEqual(now + 1);
    expect(Number(claims.exp) - Number(claims.nbf)).toBeGreaterThan(60);
    expect(Number(claims.exp) - Number(claims.nbf)).toBeLessThanOrEqual(600);
    // No secret went with it: the simulator refuses a request carrying both.
    expect(simulator.tokenRequests().map((r) => r.status)).toEqual([200]);
    expectNoSecretLogged(harness, made);
  });

  it("reads an encrypted key with AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE, and never logs the password", async () => {
    const made = await certificate("encrypted", "correct-horse-battery-staple");
    const passwordFile = join(made.path, "..", "password");
    await writeFile(passwordFile, `${made.password}\n`);
    expect(made.keyPem).toContain("ENCRYPTED PRIVATE KEY");
    harness = await startHarness(
      withCertificate(made, { AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE: passwordFile }),
    );
    expect(sampleValue(await harness.scrape(), "partner_center_up")).toBe(1);
    expectNoSecretLogged(harness, made);
  });

  it("takes a rotated certificate without a restart", async () => {
    const made = await certificate("first");
    harness = await startHarness(withCertificate(made));
    const next = await certificate("second");
    harness.simulator.authority.registerCertificate(next.certificatePem);
    await writeFile(made.path, await readFile(next.path));
    harness.simulator.expireAccessTokens();
    await harness.exporter.poller.pollOnce();
    expect(sampleValue(await harness.scrape(), "partner_center_up")).toBe(1);
    const der = new X509Certificate(next.certificatePem).raw;
    expect(lastAssertion(harness).header["x5t#S256"]).toBe(
      createHash("sha256").update(der).digest("base64url"),
    );
    expect(harness.logs.lines().map((l) => l.msg)).toContain(
      "the client credential changed; using it from now on",
    );
    expectNoSecretLogged(harness, next);
  });

  it("a certificate the app does not have: AADSTS700027, counted, and the log line says what to do", async () => {
    const made = await certificate("unregistered");
    const other = await certificate("registered");
    harness = await startHarness({
      simulator: { clientCertificates: [other.certificatePem] },
      env: { AZURE_CLIENT_SECRET: "", AZURE_CLIENT_CERTIFICATE_PATH: made.path },
    });
    const refusal = await expectCountedRefusal(harness, "invalid_client", 700027);
    expect(refusal?.msg).toMatch(/Client assertion failed signature validation/);
    expect(refusal?.action).toMatch(/upload the certificate in AZURE_CLIENT_CERTIFICATE_PATH/);
    expectNoSecretLogged(harness, made);
  });

  it("an assertion out of its time range (the authority's clock 15 minutes ahead): AADSTS700024", async () => {
    const made = await certificate("late");
    harness = await startHarness({
      simulator: { clientCertificates: [made.certificatePem], now: () => Date.now() + 15 * 60_000 },
      env: { AZURE_CLIENT_SECRET: "", AZURE_CLIENT_CERTIFICATE_PATH: made.path },
    });
    const refusal = await expectCountedRefusal(harness, "invalid_client", 700024);
    expect(refusal?.action).toMatch(/check this machine's clock/);
  });
});
