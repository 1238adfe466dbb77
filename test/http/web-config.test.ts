import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BASIC_AUTH_CHALLENGE } from "../../src/http/basic-auth.js";
import type { RunningServer } from "../../src/http/server.js";
import { loadWebConfig, WebConfigError } from "../../src/http/web-config.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { type Harness, sampleValue, startHarness } from "../helpers/harness.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import { serveHttpLayer } from "./http-layer.js";
import { httpsGet, outcome } from "./tls-client.js";

/**
 * --web.config.file in the exporter-toolkit format: TLS (with client certificates) and basic
 * auth, checked with a real TLS client, certificates made by openssl for this run.
 */

const PASSWORD = "correct horse battery staple";
let pki: TestPki;
let pem: { ca: Buffer; cert: Buffer; key: Buffer; strangerCert: Buffer; strangerKey: Buffer };
let hash: string;
beforeAll(async () => {
  pki = await makeTestPki();
  pem = {
    ca: await readFile(pki.caCert),
    cert: await readFile(pki.clientCert),
    key: await readFile(pki.clientKey),
    strangerCert: await readFile(pki.strangerCert),
    strangerKey: await readFile(pki.strangerKey),
  };
  // htpasswd -B writes $2y$; bcryptjs writes $2b$: both must work.
  hash = bcrypt.hashSync(PASSWORD, 4).replace(/^\$2b\$/, "$2y$");
});
afterAll(async () => {
  await rm(pki.dir, { recursive: true, force: true });
});

let harness: Harness | undefined;
let server: RunningServer | undefined;
let cli: Spawned | undefined;
afterEach(async () => {
  await harness?.close();
  await server?.close(0);
  await cli?.stop();
  harness = undefined;
  server = undefined;
  cli = undefined;
});

async function webConfig(name: string, yaml: string): Promise<string> {
  const path = join(pki.dir, `${name}.yml`);
  await writeFile(path, yaml);
  return path;
}

function tlsBlock(extra = ""): string {
  return `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n${extra}`;
}

/** The HTTP layer alone (no poller), for the TLS policy matrix. */
async function serveWith(yaml: string): Promise<RunningServer> {
  const file = await webConfig(`serve-${Date.now()}-${Math.random()}`, yaml);
  server = await serveHttpLayer(file);
  return server;
}

describe("TLS and basic auth (the exporter with WEB_CONFIG_FILE)", () => {
  it("serves HTTPS to a client that trusts the CA; untrusted and plaintext clients get nothing", async () => {
    const file = await webConfig("tls", tlsBlock());
    harness = await startHarness({ env: { WEB_CONFIG_FILE: file } });
    const { url } = harness.exporter;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await httpsGet(`${url}/metrics`, { ca: pem.ca });
    expect(answer.status).toBe(200);
    expect(sampleValue(answer.body, "partner_center_up")).toBe(1);
    expect(await outcome(`${url}/metrics`)).toMatch(
      /^refused \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)/,
    );
    await expect(fetch(`${url.replace("https:", "http:")}/metrics`)).rejects.toThrow();
  });

  it("basic auth guards every endpoint: 401 with WWW-Authenticate for no, wrong or unknown credentials", async () => {
    const file = await webConfig("auth", `${tlsBlock()}basic_auth_users:\n  prometheus: ${hash}\n`);
    harness = await startHarness({ env: { WEB_CONFIG_FILE: file } });
    const { url } = harness.exporter;
    const auth = `prometheus:${PASSWORD}`;
    for (const path of ["/metrics", "/", "/healthz", "/readyz", "/nope"]) {
      for (const credentials of [
        undefined,
        "prometheus:wrong",
        `someone:${PASSWORD}`,
        "prometheus",
      ]) {
        const denied = await httpsGet(`${url}${path}`, {
          ca: pem.ca,
          ...(credentials !== undefined ? { auth: credentials } : {}),
        });
        expect([path, credentials, denied.status]).toEqual([path, credentials, 401]);
        expect(denied.headers["www-authenticate"]).toBe(BASIC_AUTH_CHALLENGE);
        expect(denied.body).toBe("unauthorized\n");
      }
    }
    const ok = await httpsGet(`${url}/metrics`, { ca: pem.ca, auth });
    expect(ok.status).toBe(200);
    expect(sampleValue(ok.body, "partner_center_up")).toBe(1);
    expect((await httpsGet(`${url}/nope`, { ca: pem.ca, auth })).status).toBe(404);
    expect((await httpsGet(`${url}/metrics`, { ca: pem.ca, auth, method: "POST" })).status).toBe(
      405,
    );
  });

  it("basic auth without TLS works too (exporter-toolkit allows it)", async () => {
    const file = await webConfig("auth-only", `basic_auth_users:\n  prometheus: ${hash}\n`);
    harness = await startHarness({ env: { WEB_CONFIG_FILE: file } });
    const { url } = harness.exporter;
    expect(url).toMatch(/^http:/);
    const denied = await fetch(`${url}/metrics`);
    expect([denied.status, denied.headers.get("www-authenticate")]).toEqual([
      401,
      BASIC_AUTH_CHALLENGE,
    ]);
    const ok = await fetch(`${url}/metrics`, {
      headers: {
        Authorization: `Basic ${Buffer.from(`prometheus:${PASSWORD}`).toString("base64")}`,
      },
    });
    expect(ok.status).toBe(200);
  });

  it("min_version TLS13 refuses a client limited to TLS 1.2", async () => {
    const { url } = await serveWith(tlsBlock("  min_version: TLS13\n"));
    expect(await outcome(`${url}/healthz`, { ca: pem.ca })).toBe("answered 200");
    expect(await outcome(`${url}/healthz`, { ca: pem.ca, maxVersion: "TLSv1.2" })).toMatch(
      /^refused/,
    );
  });

  it.each([
    ["RequireAndVerifyClientCert", ["refused", "answered 200", "refused"]],
    ["VerifyClientCertIfGiven", ["answered 200", "answered 200", "refused"]],
    ["RequireAnyClientCert", ["refused", "answered 200", "answered 200"]],
    ["RequestClientCert", ["answered 200", "answered 200", "answered 200"]],
  ])("client_auth_type %s: no certificate, ours, a stranger's -> %j", async (type, expected) => {
    const caLine =
      type === "RequestClientCert" || type === "RequireAnyClientCert"
        ? ""
        : `  client_ca_file: ${pki.caCert}\n`;
    const { url } = await serveWith(tlsBlock(`  client_auth_type: ${type}\n${caLine}`));
    const results = [
      await outcome(`${url}/healthz`, { ca: pem.ca }),
      await outcome(`${url}/healthz`, { ca: pem.ca, cert: pem.cert, key: pem.key }),
      await outcome(`${url}/healthz`, { ca: pem.ca, cert: pem.strangerCert, key: pem.strangerKey }),
    ];
    expect(results.map((r) => r.replace(/ \(.*\)$/, ""))).toEqual(expected);
  });

  it("RequireAndVerifyClientCert without client_ca_file starts, as in the toolkit, and verifies against the system's CAs", async () => {
    const { url } = await serveWith(tlsBlock("  client_auth_type: RequireAndVerifyClientCert\n"));
    const results = [
      await outcome(`${url}/healthz`, { ca: pem.ca }),
      await outcome(`${url}/healthz`, { ca: pem.ca, cert: pem.cert, key: pem.key }),
    ];
    expect(results.map((r) => r.replace(/ \(.*\)$/, ""))).toEqual(["refused", "refused"]);
  });

  it("accepts what the toolkit accepts: a user name with a colon (who can never log in) and YAML 1.1 scalars", async () => {
    const file = await webConfig(
      "toolkit-accepts",
      `basic_auth_users:\n  "a:b": ${hash}\n  prometheus: ${hash}\nhttp_server_config:\n  http2: yes\n  headers:\n    X-XSS-Protection: 1\n`,
    );
    const web = await loadWebConfig(file);
    expect(web?.initial.users.size).toBe(2);
    expect(web?.initial.headers).toEqual({ "X-XSS-Protection": "1" });
  });

  it("picks up a renewed certificate without a restart", async () => {
    const cert = join(pki.dir, "rotating.crt");
    const key = join(pki.dir, "rotating.key");
    await writeFile(cert, await readFile(pki.serverCert));
    await writeFile(key, await readFile(pki.serverKey));
    const { url } = await serveWith(
      `tls_server_config:\n  cert_file: rotating.crt\n  key_file: rotating.key\n`,
    );
    const first = (await httpsGet(`${url}/healthz`, { ca: pem.ca })).serverSerial;
    await pki.renewServer(cert, key);
    const deadline = Date.now() + 5_000;
    let serial = first;
    while (serial === first && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      serial = (await httpsGet(`${url}/healthz`, { ca: pem.ca })).serverSerial;
    }
    expect(serial).not.toBe(first);
  });

  it("adds the security headers http_server_config allows", async () => {
    const { url } = await serveWith(
      `${tlsBlock()}http_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\n    X-Frame-Options: deny\n`,
    );
    const answer = await httpsGet(`${url}/`, { ca: pem.ca });
    expect(answer.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(answer.headers["x-frame-options"]).toBe("deny");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });
});

describe("an invalid web config is a start-up error in one line", () => {
  const cases: [string, () => string, RegExp][] = [
    [
      "an unknown field",
      () => "tls_server_config: {}\nbasic_auth: {}\n",
      /: unknown field basic_auth$/,
    ],
    [
      "a field this exporter does not implement",
      () => "rate_limit:\n  interval: 1s\n",
      /: rate_limit is not supported by partner-center-exporter$/,
    ],
    ["broken YAML", () => "tls_server_config:\n  cert_file: [\n", /: not valid YAML: /],
    [
      "a TLS block without a key",
      () => `tls_server_config:\n  cert_file: ${pki.serverCert}\n`,
      /: tls_server_config: missing key_file$/,
    ],
    [
      "a certificate file that is missing",
      () => `tls_server_config:\n  cert_file: missing.crt\n  key_file: ${pki.serverKey}\n`,
      /: tls_server_config.cert_file: cannot read \/.*\/missing.crt \(no such file\)$/,
    ],
    [
      "a key that does not match the certificate",
      () => `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.clientKey}\n`,
      /: tls_server_config: OpenSSL refused the certificate, key or CA \(.*key values mismatch.*\)$/,
    ],
    [
      "an unknown client_auth_type",
      () => tlsBlock("  client_auth_type: Sometimes\n"),
      /: tls_server_config.client_auth_type: invalid ClientAuth "Sometimes" \(one of NoClientCert, /,
    ],
    [
      "a client CA without a client auth policy",
      () => tlsBlock(`  client_ca_file: ${pki.caCert}\n`),
      /: tls_server_config: client_ca_file is set without a client_auth_type \(Client CA's have been configured without a Client Auth Policy\)$/,
    ],
    [
      "an unknown TLS version",
      () => tlsBlock("  min_version: SSL3\n"),
      /: tls_server_config.min_version: unknown TLS version "SSL3" \(one of TLS10, TLS11, TLS12, TLS13\)$/,
    ],
    [
      "min_version above max_version",
      () => tlsBlock("  min_version: TLS13\n  max_version: TLS12\n"),
      /: tls_server_config.min_version is above max_version$/,
    ],
    [
      "an insecure cipher suite",
      () => tlsBlock("  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n"),
      /: tls_server_config.cipher_suites: unknown cipher "TLS_RSA_WITH_RC4_128_SHA"$/,
    ],
    [
      "a password instead of a bcrypt hash",
      () => "basic_auth_users:\n  prometheus: hunter2\n",
      /: basic_auth_users.prometheus is not a bcrypt hash \(too short; make one with: htpasswd -nBC 10 "" \| tr -d ':\\n'\)$/,
    ],
    [
      "a header that cannot be set",
      () => "http_server_config:\n  headers:\n    Content-Type: text/html\n",
      /: http_server_config.headers: HTTP header "Content-Type" can not be configured \(only /,
    ],
    [
      "a list where a mapping belongs",
      () => "basic_auth_users:\n  - prometheus\n",
      /: basic_auth_users must be a mapping$/,
    ],
  ];

  it.each(cases)("%s", async (name, yaml, message) => {
    const file = await webConfig(`invalid-${name.replaceAll(" ", "-")}`, yaml());
    const error = await loadWebConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebConfigError);
    const text = (error as Error).message;
    expect(text.startsWith(`WEB_CONFIG_FILE (--web.config.file): ${file}: `)).toBe(true);
    expect(text).toMatch(message);
    expect(text).not.toContain("\n");
    expect(text).not.toContain("hunter2");
  });

  it("the built CLI exits 2 with that one line, and no stack trace", async () => {
    const file = await webConfig("cli-invalid", "basic_auth_users:\n  prometheus: hunter2\n");
    cli = spawnCli(["--demo", "--web.listen-address=127.0.0.1:0", `--web.config.file=${file}`]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe(
      `configuration error: WEB_CONFIG_FILE (--web.config.file): ${file}: basic_auth_users.prometheus is not a bcrypt hash (too short; make one with: htpasswd -nBC 10 "" | tr -d ':\\n')\n`,
    );
  });

  it("the built CLI serves HTTPS with basic auth from a valid file", async () => {
    const file = await webConfig(
      "cli-valid",
      `${tlsBlock()}basic_auth_users:\n  prometheus: ${hash}\n`,
    );
    cli = spawnCli(["--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json"], {
      WEB_CONFIG_FILE: file,
    });
    const line = await cli.waitFor(/partner-center-exporter listening/, 10_000);
    const url = (JSON.parse(line) as { url: string }).url;
    expect(url).toMatch(/^https:/);
    await cli.waitFor(/"msg":"poll succeeded"/, 10_000);
    expect((await httpsGet(`${url}/metrics`, { ca: pem.ca })).status).toBe(401);
    const ok = await httpsGet(`${url}/metrics`, { ca: pem.ca, auth: `prometheus:${PASSWORD}` });
    expect(sampleValue(ok.body, "partner_center_up")).toBe(1);
  });
});
