import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ConfigSources, loadConfig } from "../../src/config/load-config.js";
import { makeAppCertificate } from "../helpers/client-certificates.js";
import { type Spawned, spawnCli } from "../helpers/process.js";

const IDS = {
  AZURE_TENANT_ID: "contoso.onmicrosoft.com",
  AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
  PARTNER_CENTER_REFRESH_TOKEN: "0.refresh-token-value",
};
const SECRET = { AZURE_CLIENT_SECRET: "s3cr3t-client-value" };
const CERTIFICATE = { AZURE_CLIENT_CERTIFICATE_PATH: "/etc/pce/app.pem" };
const FEDERATED = {
  AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token",
};

function load(env: Record<string, string>, argv: string[] = []) {
  const sources: ConfigSources = {
    argv,
    env,
    readFile: () => {
      throw Object.assign(new Error("missing"), { code: "ENOENT" });
    },
  };
  return loadConfig(sources);
}

const problems = (env: Record<string, string>, argv: string[] = []): readonly string[] => {
  const result = load(env, argv);
  return result.kind === "invalid" ? result.problems : [];
};

describe("exactly one client credential", () => {
  it.each([
    ["a secret", SECRET],
    ["a certificate", CERTIFICATE],
    ["a federated token file", FEDERATED],
  ])("runs with %s alone", (_name, credential) => {
    expect(load({ ...IDS, ...credential }).kind).toBe("run");
  });

  it.each([
    [
      { ...SECRET, ...CERTIFICATE },
      "AZURE_CLIENT_SECRET (--azure.client-secret) and AZURE_CLIENT_CERTIFICATE_PATH (--azure.client-certificate-path): set together, but the app authenticates with exactly one client credential; unset all but one",
    ],
    [
      { ...CERTIFICATE, ...FEDERATED },
      "AZURE_CLIENT_CERTIFICATE_PATH (--azure.client-certificate-path) and AZURE_FEDERATED_TOKEN_FILE (--azure.federated-token-file): set together, but the app authenticates with exactly one client credential; unset all but one",
    ],
    [
      { AZURE_CLIENT_SECRET_FILE: "/run/secrets/s", ...FEDERATED },
      "AZURE_CLIENT_SECRET (--azure.client-secret) and AZURE_FEDERATED_TOKEN_FILE (--azure.federated-token-file): set together, but the app authenticates with exactly one client credential; unset all but one",
    ],
    [
      {},
      "AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE: one client credential is required (set AZURE_CLIENT_SECRET or AZURE_CLIENT_SECRET_FILE, AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_FEDERATED_TOKEN_FILE; or use --demo to try the exporter without credentials)",
    ],
    [
      { ...SECRET, AZURE_CLIENT_CERTIFICATE_PASSWORD: "key-password-123" },
      "AZURE_CLIENT_CERTIFICATE_PASSWORD (--azure.client-certificate-password): set, but AZURE_CLIENT_CERTIFICATE_PATH is not: the password is for the certificate's private key",
    ],
  ])("%o is a configuration error: %s", (credentials, expected) => {
    expect(problems({ ...IDS, ...credentials })).toContain(expected);
  });

  it("counts flags too, and names both", () => {
    expect(problems({ ...IDS, ...SECRET }, ["--azure.federated-token-file=/t"])).toHaveLength(1);
  });

  it("needs none in --demo", () => {
    expect(load({}, ["--demo"]).kind).toBe("run");
  });

  it("takes the webhook's AZURE_AUTHORITY_HOST with its trailing slash", () => {
    const result = load({
      ...IDS,
      ...FEDERATED,
      AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
    });
    expect(result.kind === "run" && result.config.azure.authorityHost).toBe(
      "https://login.microsoftonline.com",
    );
  });

  it("never echoes the certificate password", () => {
    const password = "a-very-secret-key-password";
    const lines = problems({
      ...IDS,
      ...SECRET,
      AZURE_CLIENT_CERTIFICATE_PASSWORD: password,
      AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE: "/x",
    });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(password);
  });
});

describe("the built CLI", () => {
  let child: Spawned | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await child?.stop();
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("exits 2 with one line naming both when two credentials are set", async () => {
    child = spawnCli([], { ...IDS, ...SECRET, ...FEDERATED });
    expect(await child.exited).toBe(2);
    expect(child.stderr().trimEnd().split("\n")).toEqual([
      "configuration error: AZURE_CLIENT_SECRET (--azure.client-secret) and AZURE_FEDERATED_TOKEN_FILE (--azure.federated-token-file): set together, but the app authenticates with exactly one client credential; unset all but one",
    ]);
  });

  it("exits 2 on a wrong certificate password, without echoing it", async () => {
    const made = await makeAppCertificate("cli", { password: "the-right-password" });
    dirs.push(join(made.path, ".."));
    const passwordFile = join(made.path, "..", "wrong");
    await writeFile(passwordFile, "the-wrong-password");
    child = spawnCli([], {
      ...IDS,
      AZURE_CLIENT_CERTIFICATE_PATH: made.path,
      AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE: passwordFile,
      STATE_DIR: join(made.path, "..", "state"),
      WEB_LISTEN_ADDRESS: "127.0.0.1:0",
    });
    expect(await child.exited).toBe(2);
    expect(child.stderr().trimEnd().split("\n")).toEqual([
      `configuration error: AZURE_CLIENT_CERTIFICATE_PATH: cannot read the private key in ${made.path} (wrong AZURE_CLIENT_CERTIFICATE_PASSWORD?)`,
    ]);
    expect(child.stderr() + child.stdout()).not.toContain("the-wrong-password");
  });

  it("exits 2 when an encrypted key has no password", async () => {
    const made = await makeAppCertificate("nopass", { password: "some-password-1" });
    dirs.push(join(made.path, ".."));
    child = spawnCli([], {
      ...IDS,
      AZURE_CLIENT_CERTIFICATE_PATH: made.path,
      STATE_DIR: join(made.path, "..", "state"),
    });
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(
      /^configuration error: AZURE_CLIENT_CERTIFICATE_PATH: the private key in .* is encrypted: set AZURE_CLIENT_CERTIFICATE_PASSWORD \(or _FILE\)\n$/,
    );
  });
});
