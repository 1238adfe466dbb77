import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/http/server.js";
import { loadWebConfig, WebConfigError } from "../../src/http/web-config.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import { serveHttpLayer } from "./http-layer.js";
import { httpsGet, type TlsClientOptions } from "./tls-client.js";
import {
  corpusFile,
  corpusPath,
  EXCLUDED,
  type GoClient,
  goCases,
  SERVER_BEHAVIOUR,
  TESTDATA,
  USERS,
  YAML_FILES,
} from "./toolkit-corpus.js";

/**
 * exporter-toolkit's own tests (web/tls_config_test.go and its testdata), case by case: each
 * table below is transcribed from the Go file, and the first test checks the transcription
 * against it. The Go handler answers "Hello World!" on every path; ours answers /healthz.
 */

const LABEL = "WEB_CONFIG_FILE (--web.config.file)";
const HEALTH_BODY = "ok\n";

let server: RunningServer | undefined;
let cli: Spawned | undefined;
afterEach(async () => {
  await server?.close(0);
  await cli?.stop();
  server = undefined;
  cli = undefined;
});

async function serveCorpus(path: string | undefined): Promise<RunningServer> {
  server = await serveHttpLayer(path);
  return server;
}

function tlsOptions(client: GoClient): TlsClientOptions {
  const cert = client.certificate;
  return {
    verifyChain: corpusFile("tls-ca-chain.pem"),
    ...(cert !== undefined
      ? { cert: corpusFile(`${cert}.pem`), key: corpusFile(`${cert}.key`) }
      : {}),
    // Go's client offers TLS 1.0 and 1.1 when capped there; OpenSSL needs leave to offer them.
    ...(client.maxVersion !== undefined
      ? { minVersion: "TLSv1", maxVersion: client.maxVersion, ciphers: "DEFAULT:@SECLEVEL=0" }
      : {}),
    ...(client.ciphers !== undefined ? { ciphers: client.ciphers } : {}),
    ...(client.curves !== undefined ? { ecdhCurve: client.curves } : {}),
  };
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly cipher?: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** One request as the Go test client makes it: the answer, or the client's error code. */
async function request(url: string, client: GoClient, auth?: string): Promise<Answer | string> {
  const port = new URL(url).port;
  try {
    if (client.tls) {
      const options = { ...tlsOptions(client), ...(auth !== undefined ? { auth } : {}) };
      return await httpsGet(`https://127.0.0.1:${port}/healthz`, options);
    }
    const headers: Record<string, string> =
      auth === undefined ? {} : { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers });
    return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    const failure = cause ?? (error as NodeJS.ErrnoException);
    return `${failure.code ?? "no code"}: ${failure.message}`;
  }
}

describe("the transcription of tls_config_test.go", () => {
  it("covers every case of TestYAMLFiles, TestServerBehaviour and TestUsers, in order; only the excluded are not run", () => {
    const names = (cases: readonly { name: string; path: string }[]) =>
      cases.map((c) => ({ name: c.name, path: c.path }));
    expect(names(YAML_FILES)).toEqual(goCases("TestYAMLFiles"));
    expect(names(USERS)).toEqual(goCases("TestUsers"));
    const excluded = new Set(EXCLUDED.map((c) => c.name));
    const behaviour = goCases("TestServerBehaviour");
    expect(names(SERVER_BEHAVIOUR)).toEqual(behaviour.filter((c) => !excluded.has(c.name)));
    expect(names(EXCLUDED)).toEqual(behaviour.filter((c) => excluded.has(c.name)));
  });
});

describe("TestYAMLFiles: validate (our start-up check of the file)", () => {
  it.each(YAML_FILES)("validate/$name ($toolkit)", async ({ path, ours }) => {
    const file = corpusPath(path) ?? "";
    const result = await loadWebConfig(file).catch((error: unknown) => error);
    if (ours === null) {
      expect(result).not.toBeInstanceOf(Error);
      return;
    }
    expect(result).toBeInstanceOf(WebConfigError);
    const message = (result as Error).message;
    expect(message.startsWith(`${LABEL}: ${file}: `)).toBe(true);
    expect(message.slice(`${LABEL}: ${file}: `.length)).toMatch(ours);
  });
});

describe("TestYAMLFiles: run (the built CLI)", () => {
  it.each(YAML_FILES)("run/$name", async ({ path, ours }) => {
    const file = corpusPath(path) ?? "";
    const args = ["--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json"];
    cli = spawnCli([...args, `--web.config.file=${file}`]);
    if (ours === null) {
      const line = await cli.waitFor(/partner-center-exporter listening/, 10_000);
      const { url } = JSON.parse(line) as { url: string };
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      return;
    }
    expect(await cli.exited).toBe(2);
    const lines = cli
      .stderr()
      .split("\n")
      .filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    const prefix = `configuration error: ${LABEL}: ${file}: `;
    expect(lines[0]?.startsWith(prefix)).toBe(true);
    expect(lines[0]?.slice(prefix.length)).toMatch(ours);
  });
});

describe("TestServerBehaviour: real servers, a real TLS client with the corpus's certificates", () => {
  it.each(SERVER_BEHAVIOUR)("$name ($toolkit)", async ({ path, client, outcome }) => {
    const file = corpusPath(path);
    if ("noStart" in outcome) {
      const error = await serveCorpus(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebConfigError);
      expect((error as Error).message.slice(`${LABEL}: ${file}: `.length)).toMatch(outcome.noStart);
      return;
    }
    const { url } = await serveCorpus(file);
    const answer = await request(url, client);
    if ("refused" in outcome) {
      expect(answer).toMatch(outcome.refused);
      return;
    }
    expect(answer).toMatchObject({ status: 200, body: HEALTH_BODY });
    if (outcome.cipher !== undefined) expect(answer).toMatchObject({ cipher: outcome.cipher });
  });

  it("TestHTTPHeaders (handler_test.go): the headers of web_config_headers.good.yml on the answer", async () => {
    const { url } = await serveCorpus(join(TESTDATA, "web_config_headers.good.yml"));
    const answer = await request(url, { tls: false });
    expect(answer).toMatchObject({
      status: 200,
      headers: {
        "strict-transport-security": "max-age=31536000; includeSubDomains",
        "x-frame-options": "deny",
        "x-content-type-options": "nosniff",
        "x-xss-protection": "1",
        "content-security-policy": "default-src 'self' *.test.example.net",
      },
    });
  });
});

describe("TestUsers: basic auth from the corpus's bcrypt hashes", () => {
  it.each(USERS)("$name -> $status", async ({ path, tls, user, password, status }) => {
    const { url } = await serveCorpus(corpusPath(path));
    const auth = user === undefined ? undefined : `${user}:${password ?? ""}`;
    const answer = await request(url, { tls }, auth);
    expect(answer).toMatchObject({ status });
  });
});

describe("TestConfigReloading: the file is read again for each connection", () => {
  it("refuses a client without a certificate under the blocking file, then serves it once the file is swapped", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pce-reload-"));
    try {
      for (const name of ["server.crt", "server.key"])
        await copyFile(join(TESTDATA, name), join(dir, name));
      const file = join(dir, "web.yml");
      await copyFile(join(TESTDATA, "web_config_noAuth.good.blocking.yml"), file);
      const { url } = await serveCorpus(file);
      expect(await request(url, { tls: true })).toMatch(/alert certificate required/);
      await writeFile(file, await readFile(join(TESTDATA, "web_config_noAuth.good.yml")));
      expect(await request(url, { tls: true })).toMatchObject({ status: 200, body: HEALTH_BODY });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
