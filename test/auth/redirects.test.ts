import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CertificateCredential } from "../../src/auth/certificate-credential.js";
import { type ClientCredential, clientSecretCredential } from "../../src/auth/client-credential.js";
import { AuthError } from "../../src/auth/errors.js";
import { FederatedTokenCredential } from "../../src/auth/federated-credential.js";
import { TokenClient } from "../../src/auth/token-client.js";
import { SecretScrubber } from "../../src/log/secret-scrubber.js";
import { deviceLogin } from "../../src/login/device-flow.js";
import { httpPolicy } from "../../src/net/exchange.js";
import { makeAppCertificate } from "../helpers/client-certificates.js";
import {
  REDIRECT_STATUSES,
  type RecordingServer,
  startRecordingServer,
  startRedirectTarget,
} from "../helpers/redirect-servers.js";

/**
 * Issue 19: no request that carries a credential follows a redirect. Every grant (refresh token,
 * authorization code, device code and its first request) in every credential mode, against a
 * real authority that redirects to a real other listener, which must receive nothing.
 */

const SECRET = "s3cret~Value+with/odd=chars";
const QUERY_SECRET = "code=query-secret-never-logged";

let target: RecordingServer;
let authority: RecordingServer;
let redirect = { status: 302, devicecode: true };
let dir: string;
const credentials: Record<string, () => ClientCredential> = {};

beforeAll(async () => {
  target = await startRedirectTarget();
  authority = await startRecordingServer((req, res) => {
    if (req.url?.endsWith("/devicecode") && !redirect.devicecode) {
      const answer = {
        device_code: "dc",
        user_code: "U",
        verification_uri: "v",
        expires_in: 60,
        interval: 0,
      };
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(answer));
      return;
    }
    res.writeHead(redirect.status, { Location: `${target.url}/steal?${QUERY_SECRET}` }).end();
  });
  dir = await mkdtemp(join(tmpdir(), "pce-redirects-"));
  const made = await makeAppCertificate("app", { dir });
  const federated = join(dir, "federated-token");
  await writeFile(federated, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
  const scrubber = new SecretScrubber();
  credentials.secret = () => clientSecretCredential(() => SECRET);
  credentials.certificate = () =>
    new CertificateCredential({
      path: made.path,
      password: () => undefined,
      clientId: "app-id",
      scrubber,
      onProblem: () => {},
    });
  credentials.federated = () => new FederatedTokenCredential(federated, scrubber);
});
afterAll(async () => {
  await target.close();
  await authority.close();
  await rm(dir, { recursive: true, force: true });
});

function tokenClient(credential: ClientCredential): TokenClient {
  const policy = httpPolicy(
    { requestTimeoutMs: 2_000, maxRetries: 2, retryBackoffMs: 1, maxRetryAfterMs: 10 },
    "test",
  );
  return new TokenClient({
    ...policy,
    authorityHost: authority.url,
    tenantId: "tenant",
    clientId: "app-id",
    credential,
  });
}

const GRANTS: Record<string, (client: TokenClient) => Promise<unknown>> = {
  "refresh token": (client) => client.redeemRefreshToken("rt-configured"),
  "authorization code": (client) =>
    client.grant("/v2.0/token", {
      grant_type: "authorization_code",
      code: "auth-code",
      redirect_uri: "http://localhost:1/",
      code_verifier: "verifier",
    }),
  "device code request": (client) =>
    deviceLogin({ tokenClient: client, clientId: "app-id", scope: "s", say: () => {} }),
  "device code grant": (client) =>
    deviceLogin({ tokenClient: client, clientId: "app-id", scope: "s", say: () => {} }),
};

describe.each(["secret", "certificate", "federated"])("credential mode %s", (mode) => {
  it.each(Object.keys(GRANTS))(
    "%s: every redirect status is refused, never followed",
    async (grant) => {
      for (const status of REDIRECT_STATUSES) {
        redirect = { status, devicecode: grant !== "device code grant" };
        const before = authority.received.length;
        const error = await GRANTS[grant]?.(
          tokenClient(credentials[mode]?.() as ClientCredential),
        ).catch((e: unknown) => e);
        expect(error, `${grant} ${status}`).toBeInstanceOf(AuthError);
        expect(error).toMatchObject({ reason: "redirect", oauthError: undefined });
        const message = (error as Error).message;
        const host = new URL(authority.url).host;
        expect(message).toContain(`${host} answered ${status} redirecting to ${target.url}/steal`);
        expect(message).toContain("AZURE_AUTHORITY_HOST");
        expect(message).not.toContain(QUERY_SECRET);
        expect(message).not.toContain(SECRET);
        // Not retried: one request for the grant (after the device code's own, when it passed).
        expect(authority.received.length - before).toBe(grant === "device code grant" ? 2 : 1);
      }
      expect(target.received).toEqual([]);
    },
  );
});
