import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CertificateCredential } from "../../src/auth/certificate-credential.js";
import { type ClientCredential, JWT_BEARER } from "../../src/auth/client-credential.js";
import { AuthError } from "../../src/auth/errors.js";
import { TokenClient } from "../../src/auth/token-client.js";
import { SecretScrubber } from "../../src/log/secret-scrubber.js";
import { httpPolicy } from "../../src/net/exchange.js";
import { type AppCertificate, makeAppCertificate } from "../helpers/client-certificates.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

/**
 * Each refusal of a client credential, as Entra ID words it: the simulator checks the assertion
 * with real crypto (node:crypto), and the exporter's AuthError says what to do.
 */

let simulator: PartnerCenterSimulator;
let registered: AppCertificate;
let stranger: AppCertificate;

beforeAll(async () => {
  registered = await makeAppCertificate("registered");
  stranger = await makeAppCertificate("stranger");
  simulator = new PartnerCenterSimulator({ clientCertificates: [registered.certificatePem] });
  await simulator.start();
});
afterAll(async () => {
  await simulator.stop();
  for (const c of [registered, stranger]) await rm(join(c.path, ".."), { recursive: true });
});

function signer(
  made: AppCertificate,
  options: Partial<ConstructorParameters<typeof CertificateCredential>[0]> = {},
) {
  return new CertificateCredential({
    path: made.path,
    password: () => made.password,
    clientId: simulator.clientId,
    scrubber: new SecretScrubber(),
    ...options,
  });
}

/** A client that sends exactly these credential fields (for the request to `url`). */
function clientSending(fields: (url: string) => Record<string, string>): TokenClient {
  const credential: ClientCredential = {
    kind: "certificate",
    fields,
    fingerprint: () => undefined,
  };
  return new TokenClient({
    ...httpPolicy(
      { requestTimeoutMs: 2000, maxRetries: 0, retryBackoffMs: 1, maxRetryAfterMs: 0 },
      "test",
    ),
    authorityHost: simulator.url,
    tenantId: simulator.tenantId,
    clientId: simulator.clientId,
    credential,
  });
}

async function refusal(client: TokenClient): Promise<AuthError> {
  const error = await client.redeemRefreshToken(simulator.currentRefreshToken).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AuthError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

const assertion = (value: string) => ({
  client_assertion_type: JWT_BEARER,
  client_assertion: value,
});

describe("the simulated authority checks client credentials as Entra ID does", () => {
  it("accepts PS256 with x5t#S256 and RS256 with x5t (SHA-1), each for the URL it goes to", async () => {
    for (const options of [{}, { algorithm: "RS256", thumbprint: "x5t" }] as const) {
      const credential = signer(registered, options);
      const grant = await clientSending((url) => credential.fields(url)).redeemRefreshToken(
        simulator.currentRefreshToken,
      );
      expect(grant.accessToken).toMatch(/^eyJ/);
    }
  });

  it("refuses a replayed assertion (the same jti twice): AADSTS50013", async () => {
    const credential = signer(registered);
    const once = credential.sign(`${simulator.url}/${simulator.tenantId}/oauth2/token`);
    const client = clientSending(() => assertion(once));
    await client.redeemRefreshToken(simulator.currentRefreshToken);
    const error = await refusal(client);
    expect(error).toMatchObject({ oauthError: "invalid_client", aadsts: 50013, status: 401 });
    expect(error.message).toMatch(/already presented \(token replay\)/);
  });

  it("refuses an assertion for another audience: AADSTS700023", async () => {
    const credential = signer(registered);
    const error = await refusal(
      clientSending(() => assertion(credential.sign(`${simulator.url}/other-tenant/oauth2/token`))),
    );
    expect(error).toMatchObject({ oauthError: "invalid_client", aadsts: 700023 });
    expect(error.hint).toMatch(/AZURE_AUTHORITY_HOST/);
  });

  it("refuses a certificate the app does not have, and a signature that does not verify: AADSTS700027", async () => {
    const unknown = signer(stranger);
    const notFound = await refusal(clientSending((url) => unknown.fields(url)));
    expect(notFound).toMatchObject({ oauthError: "invalid_client", aadsts: 700027 });
    expect(notFound.message).toMatch(/The key was not found/);
    // The registered certificate's thumbprint, but the stranger's key signed it.
    const known = signer(registered);
    const forged = (url: string) => {
      const [header] = known.sign(url).split(".");
      const [, claims, signature] = unknown.sign(url).split(".");
      return assertion(`${header}.${claims}.${signature}`);
    };
    const bad = await refusal(clientSending(forged));
    expect(bad.aadsts).toBe(700027);
    expect(bad.message).toMatch(/did not match the expected signature value/);
  });

  it("refuses an assertion for another client id: AADSTS700021", async () => {
    const credential = signer(registered, { clientId: "00000000-0000-0000-0000-000000000000" });
    const error = await refusal(clientSending((url) => credential.fields(url)));
    expect(error).toMatchObject({ oauthError: "invalid_client", aadsts: 700021 });
  });

  it("refuses a request with both a secret and an assertion: AADSTS9002313", async () => {
    const credential = signer(registered);
    const error = await refusal(
      clientSending((url) => ({
        ...credential.fields(url),
        client_secret: simulator.clientSecret,
      })),
    );
    expect(error).toMatchObject({ oauthError: "invalid_request", aadsts: 9002313, status: 400 });
  });

  it("refuses no credential on a confidential grant (AADSTS7000218) and a malformed assertion (AADSTS50027)", async () => {
    expect(await refusal(clientSending(() => ({})))).toMatchObject({ aadsts: 7000218 });
    expect(await refusal(clientSending(() => assertion("not.a-jwt")))).toMatchObject({
      aadsts: 50027,
    });
  });
});
