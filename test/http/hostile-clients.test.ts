import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BasicAuthVerifier } from "../../src/http/basic-auth.js";
import { connectionCap, openFileLimits } from "../../src/http/connection-cap.js";
import { PasswordCheckPool } from "../../src/http/password-checks.js";
import { MAX_PIPELINED } from "../../src/http/pipeline-gate.js";
import type { RunningServer, serve } from "../../src/http/server.js";
import { counterValue, serveObserved } from "./http-layer.js";

/** issue 19 section 3: scrapers cannot exhaust the exporter (memory, event loop, descriptors). */

let dir: string;
let server: RunningServer | undefined;
const sockets: Socket[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pce-hostile-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close(0);
  server = undefined;
});

async function start(extra: Partial<Parameters<typeof serve>[0]> = {}) {
  const observed = await serveObserved(undefined, extra);
  server = observed.server;
  const refusals = (reason: string) =>
    counterValue(
      observed.metrics,
      `partner_center_exporter_http_refusals_total{reason="${reason}"}`,
    );
  return { url: server.url, logs: observed.logs, refusals };
}

function rawSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.on("error", reject);
    sockets.push(socket);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never: ${what}`);
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

describe("pipelined requests", () => {
  it("a connection that pipelines 1000 scrapes and never reads is closed past the bound; others are answered", async () => {
    const { url, logs, refusals } = await start();
    const flood = await rawSocket(url);
    flood.pause();
    flood.write(GET("/metrics").repeat(1000));
    await until(async () => (await refusals("pipeline_depth")) === 1, "the flood refused");
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    // What it had been sent before the close: the answer in progress, never a thousand.
    let received = "";
    flood.on("data", (c: Buffer) => {
      received += c.toString("latin1");
    });
    flood.resume();
    await closed(flood);
    expect(received.split("HTTP/1.1 200 ").length - 1).toBeLessThanOrEqual(MAX_PIPELINED + 1);
    const warn = logs.lines().filter((l) => l.reason === "pipeline_depth");
    expect(warn).toHaveLength(1);
    expect(warn[0]?.level).toBe("warn");
  });

  it(`answers ${MAX_PIPELINED + 1} pipelined requests (one answered, ${MAX_PIPELINED} waiting) each once, in order`, async () => {
    const { url, refusals } = await start();
    const socket = await rawSocket(url);
    // The last one closes the connection.
    const paths = Array.from({ length: MAX_PIPELINED }, (_, i) =>
      i % 3 === 0 ? "/healthz" : i % 3 === 1 ? "/metrics" : "/nope",
    );
    let received = "";
    socket.on("data", (c: Buffer) => {
      received += c.toString("latin1");
    });
    socket.write(
      paths.map(GET).join("") +
        GET("/healthz").replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"),
    );
    await closed(socket);
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).toEqual([...paths.map((p) => (p === "/nope" ? "404" : "200")), "200"]);
    expect(await refusals("pipeline_depth")).toBe(0);
  });
});

describe("connections are capped below the descriptor limit", () => {
  it("refuses a connection past the cap at once, logs and counts it, and serves again once one closes", async () => {
    const { url, logs, refusals } = await start({ limits: { maxConnections: 3 } });
    const held = await Promise.all([rawSocket(url), rawSocket(url), rawSocket(url)]);
    const extra = await rawSocket(url);
    await closed(extra);
    expect(await refusals("connection_limit")).toBe(1);
    expect(logs.lines().find((l) => l.reason === "connection_limit")?.level).toBe("warn");
    held[0]?.destroy();
    await until(async () => {
      const answer = await fetch(`${url}/healthz`, { headers: { Connection: "close" } }).catch(
        () => undefined,
      );
      return answer?.status === 200;
    }, "a slot freed");
  });

  it("reads the soft and hard limits from /proc/self/limits and keeps a tenth (at least 128) for the rest", () => {
    const limits = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96362                96362                processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;
    expect(openFileLimits(() => limits)).toEqual({ soft: 1024, hard: 524288 });
    expect(openFileLimits(() => "nothing here")).toBeUndefined();
    expect(
      openFileLimits(() => {
        throw new Error("ENOENT");
      }),
    ).toBeUndefined();
    expect(connectionCap(1024, 1)).toBe(896);
    expect(connectionCap(20_000, 1)).toBe(18_000);
    expect(connectionCap(20_000, 2)).toBe(9_000);
    expect(connectionCap(Number.POSITIVE_INFINITY, 1)).toBeUndefined();
    // This process's own, as the exporter reads it at start.
    const own = openFileLimits();
    expect(own?.soft).toBeGreaterThan(0);
  });

  it("tells the operator when the soft limit could be raised, with the cap it chose", async () => {
    const { logs } = await start({ openFiles: { soft: 1024, hard: 4096 } });
    const line = logs.lines().find((l) => /soft limit is below the hard limit/.test(l.msg));
    expect(line).toMatchObject({ level: "warn", soft: 1024, hard: 4096, maxConnections: 896 });
    expect(server?.server.maxConnections).toBe(896);
  });
});

describe("wrong-password floods", () => {
  const hash = bcrypt.hashSync("right", 10);
  const users = new Map([["alice", hash]]);

  it("checks wait in a bounded queue; past it they are refused at once as busy", async () => {
    const pool = new PasswordCheckPool({ workers: 1, maxWaiting: 2 });
    const verifier = new BasicAuthVerifier(pool);
    try {
      const attempts = ["w1", "w2", "w3", "w4", "w5"].map((p) =>
        verifier.verify(users, "alice", p),
      );
      expect(await Promise.all(attempts)).toEqual(["denied", "denied", "denied", "busy", "busy"]);
    } finally {
      await verifier.close();
    }
  });

  it("a correct password, once checked, stays granted from the cache through a flood that fills the queue", async () => {
    const verifier = new BasicAuthVerifier(new PasswordCheckPool({ workers: 1, maxWaiting: 1 }));
    try {
      expect(await verifier.verify(users, "alice", "right")).toBe("granted");
      const flood = Array.from({ length: 300 }, (_, i) => verifier.verify(users, "alice", `x${i}`));
      // The queue is full now, yet the cached verdict needs no check.
      expect(await verifier.verify(users, "alice", "right")).toBe("granted");
      const outcomes = await Promise.all(flood);
      expect(outcomes.filter((o) => o === "busy").length).toBeGreaterThan(250);
      expect(outcomes.every((o) => o !== "granted")).toBe(true);
      expect(await verifier.verify(users, "alice", "right")).toBe("granted");
    } finally {
      await verifier.close();
    }
  });

  it("over HTTP: excess attempts get 503 with Retry-After, counted; the right user still gets in", async () => {
    const file = join(dir, "users.yml");
    await writeFile(file, `basic_auth_users:\n  alice: ${bcrypt.hashSync("right", 11)}\n`);
    const { url, refusals } = await start({ webConfigFile: file });
    const as = (password: string) => ({
      Authorization: `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`,
    });
    expect((await fetch(`${url}/metrics`, { headers: as("right") })).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => fetch(`${url}/healthz`, { headers: as(`wrong${i}`) })),
    );
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 401 || a.status === 503)).toBe(true);
    expect(busy.every((a) => a.headers.get("retry-after") === "1")).toBe(true);
    expect(await refusals("auth_busy")).toBe(busy.length);
    expect((await fetch(`${url}/metrics`, { headers: as("right") })).status).toBe(200);
  });
});
