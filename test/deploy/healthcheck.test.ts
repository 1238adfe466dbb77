import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/http/server.js";
import { serveHttpLayer } from "../http/http-layer.js";
import { TESTDATA } from "../http/toolkit-corpus.js";
import { execForm, parseDockerfile, type Stage } from "./support/dockerfile.js";
import { readText } from "./support/repo.js";

/**
 * The image's HEALTHCHECK, run as Docker runs it, against the exporter's HTTP layer as operators
 * configure it: plain, basic auth, TLS with basic auth (issue 19: it failed once auth was on).
 */

const final = parseDockerfile(readText("Dockerfile")).stages.at(-1) as Stage;
const HEALTHCHECK = execForm(
  /^CMD\s+(.*)$/s.exec(
    final.instructions.find((i) => i.keyword === "HEALTHCHECK")?.args ?? "",
  )?.[1] ?? "[]",
) as string[];

const run = promisify(execFile);
let dir: string;
let running: RunningServer | undefined;
let other: Server | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pce-healthcheck-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await running?.close(0);
  running = undefined;
  await new Promise((resolve) => (other ? other.close(resolve) : resolve(undefined)));
  other = undefined;
});

async function healthcheck(port: number): Promise<number> {
  const [command = "node", ...args] = HEALTHCHECK;
  try {
    await run(command, args, {
      env: { PATH: process.env.PATH ?? "", WEB_LISTEN_ADDRESS: `:${port}` },
      timeout: 10_000,
    });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

async function exporterWith(webConfig: string | undefined): Promise<number> {
  let file: string | undefined;
  if (webConfig !== undefined) {
    file = join(dir, `web-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(file, webConfig);
  }
  running = await serveHttpLayer(file);
  return Number(new URL(running.url).port);
}

const ALICE = "alice: $2y$10$qRTBuFoULoYNA7AQ/F3ck.trZBPyjV64.oA4ZsSBCIWvXuvQlQTuu";

describe("the image's HEALTHCHECK", () => {
  it("passes on plain HTTP", async () => {
    expect(await healthcheck(await exporterWith(undefined))).toBe(0);
  });

  it("passes with basic auth on (a 401 from /healthz is a live server)", async () => {
    expect(await healthcheck(await exporterWith(`basic_auth_users:\n  ${ALICE}\n`))).toBe(0);
  });

  it("passes with TLS and basic auth on", async () => {
    const tls = `tls_server_config:\n  cert_file: ${join(TESTDATA, "server.crt")}\n  key_file: ${join(TESTDATA, "server.key")}\n`;
    expect(await healthcheck(await exporterWith(`${tls}basic_auth_users:\n  ${ALICE}\n`))).toBe(0);
  });

  it("fails when nothing listens, and when the server answers 5xx", async () => {
    const port = await exporterWith(undefined);
    await running?.close(0);
    running = undefined;
    expect(await healthcheck(port)).not.toBe(0);
    other = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((resolve) => other?.listen(0, "127.0.0.1", resolve));
    const address = other.address();
    expect(await healthcheck(typeof address === "object" && address ? address.port : 0)).not.toBe(
      0,
    );
  });
});
