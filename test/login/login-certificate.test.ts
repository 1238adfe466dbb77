import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { TOKEN_FILE } from "../../src/auth/refresh-token-store.js";
import { keyMaterial, makeAppCertificate } from "../helpers/client-certificates.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import { approveDeviceCode } from "../helpers/sign-in.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

let simulator: PartnerCenterSimulator | undefined;
let child: Spawned | undefined;
let dir: string | undefined;
afterEach(async () => {
  await child?.stop();
  await simulator?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it("login --flow=device with a certificate (encrypted key): every grant carries a signed assertion", async () => {
  const made = await makeAppCertificate("login", { password: "login-key-password-123" });
  dir = join(made.path, "..");
  simulator = new PartnerCenterSimulator({
    deviceCodeIntervalSeconds: 1,
    clientCertificates: [made.certificatePem],
  });
  await simulator.start();
  child = spawnCli(["login", "--flow=device"], {
    AZURE_TENANT_ID: simulator.tenantId,
    AZURE_CLIENT_ID: simulator.clientId,
    AZURE_CLIENT_CERTIFICATE_PATH: made.path,
    AZURE_CLIENT_CERTIFICATE_PASSWORD: made.password ?? "",
    AZURE_AUTHORITY_HOST: simulator.url,
    STATE_DIR: dir,
  });
  await approveDeviceCode(child, simulator.url);
  expect(await child.exited).toBe(0);
  const saved = JSON.parse(await readFile(join(dir, TOKEN_FILE), "utf8")) as {
    refreshToken: string;
  };
  expect(simulator.issuedRefreshTokens).toContain(saved.refreshToken);
  // Each poll of the device grant was a confidential client's: one fresh assertion each.
  const assertions = simulator.authority.presentedAssertions;
  expect(assertions.length).toBeGreaterThanOrEqual(1);
  expect(new Set(assertions).size).toBe(assertions.length);
  expect(simulator.tokenRequests().at(-1)?.status).toBe(200);
  const output = child.stderr() + child.stdout();
  for (const secret of [...keyMaterial(made), made.password ?? "", ...assertions]) {
    expect(output.includes(secret)).toBe(false);
  }
});

it("login with a certificate file that is not there: exit 2, one configuration line", async () => {
  child = spawnCli(["login", "--flow=device"], {
    AZURE_TENANT_ID: "contoso.onmicrosoft.com",
    AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
    AZURE_CLIENT_CERTIFICATE_PATH: "/nonexistent/app.pem",
  });
  expect(await child.exited).toBe(2);
  expect(child.stderr().trimEnd().split("\n")).toEqual([
    "configuration error: AZURE_CLIENT_CERTIFICATE_PATH: cannot read /nonexistent/app.pem (ENOENT)",
  ]);
});
