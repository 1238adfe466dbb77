import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as connectTls, type TLSSocket } from "node:tls";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_FILE_BYTES } from "../../src/http/file-snapshot.js";
import type { RunningServer } from "../../src/http/server.js";
import { counterValue, serveHttpLayer, serveObserved } from "./http-layer.js";
import { TESTDATA } from "./toolkit-corpus.js";

/**
 * issue 19 section 4: a web config file that becomes empty, unreadable, not a regular file or too
 * large keeps the last good configuration (logged and counted once per problem) until a valid
 * file replaces it; reading it never blocks the event loop nor grows memory.
 */

let dir: string;
let server: RunningServer | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pce-fail-closed-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close(0);
  server = undefined;
});

const USERS = `basic_auth_users:\n  alice: ${bcrypt.hashSync("a-pass", 4)}\n`;
const alice = { Authorization: `Basic ${Buffer.from("alice:a-pass").toString("base64")}` };

async function start(name: string) {
  const file = join(dir, name);
  await writeFile(file, USERS);
  const observed = await serveObserved(file);
  server = observed.server;
  const { url } = server;
  const statuses = async () => [
    (await fetch(`${url}/metrics`)).status,
    (await fetch(`${url}/metrics`, { headers: alice })).status,
  ];
  const kept = () =>
    counterValue(observed.metrics, "partner_center_exporter_web_config_reload_failures_total");
  return { file, logs: observed.logs, statuses, kept };
}

/** A TLS connection kept open: next() sends one more request on it and returns its status. */
function tlsSession(port: number): { socket: TLSSocket; next(): Promise<string | undefined> } {
  const socket = connectTls({ host: "127.0.0.1", port, rejectUnauthorized: false });
  let received = "";
  socket.on("data", (c: Buffer) => {
    received += c.toString("latin1");
  });
  let sent = 0;
  const statuses = () => [...received.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
  return {
    socket,
    async next() {
      sent++;
      socket.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
      for (let i = 0; i < 300 && statuses().length < sent; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      return statuses()[sent - 1];
    },
  };
}

type Fault = (file: string) => Promise<void>;

const faults: [string, string, Fault][] = [
  ["emptied", "it is empty", (file) => truncate(file, 0)],
  ["whitespace only", "it is empty", (file) => writeFile(file, "\n  \n")],
  ["truncated to a key", "", (file) => writeFile(file, "basic_auth_u")],
  ["truncated inside the users", "", (file) => writeFile(file, "basic_auth_users:\n  ali")],
  ["removed", "cannot read it (ENOENT)", (file) => rm(file)],
  [
    "a FIFO in its place (open would block without O_NONBLOCK)",
    "cannot read it (not a regular file)",
    async (file) => {
      await rm(file);
      execFileSync("mkfifo", [file]);
    },
  ],
  [
    "a symlink to /dev/zero (an endless read)",
    "cannot read it (not a regular file)",
    async (file) => {
      await rm(file);
      await symlink("/dev/zero", file);
    },
  ],
  [
    "a directory in its place",
    "cannot read it (not a regular file)",
    async (file) => {
      await rm(file);
      await mkdir(file);
    },
  ],
  [
    "larger than the cap",
    `cannot read it (larger than ${MAX_FILE_BYTES} bytes)`,
    (file) => writeFile(file, `${USERS}#${"x".repeat(MAX_FILE_BYTES)}\n`),
  ],
];

describe("the web config file fails closed", () => {
  it.each(faults)(
    "%s: the last good users stay, logged and counted once",
    async (name, problem, fault) => {
      const { file, logs, statuses, kept } = await start(`${name.replace(/\W+/g, "-")}.yml`);
      expect(await statuses()).toEqual([401, 200]);
      expect(await kept()).toBe(0);

      await fault(file);
      expect(await statuses()).toEqual([401, 200]);
      expect(await statuses()).toEqual([401, 200]);
      expect(await kept()).toBe(1);
      const errors = logs.lines().filter((l) => l.level === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]?.msg).toMatch(/keeping the last good configuration/);
      if (problem !== "") expect(errors[0]?.problem).toBe(problem);

      // A valid file replaces it, and says so.
      await rm(file, { recursive: true, force: true });
      await writeFile(file, "http_server_config: {}\n");
      expect(await statuses()).toEqual([200, 200]);
      expect(logs.lines().at(-1)?.msg).toBe("web config file reloaded");
    },
  );

  it("a deliberate removal of basic_auth_users is a valid file and applies at once", async () => {
    const { file, statuses, kept } = await start("removed-users.yml");
    expect(await statuses()).toEqual([401, 200]);
    await writeFile(file, "basic_auth_users: {}\n");
    expect(await statuses()).toEqual([200, 200]);
    expect(await kept()).toBe(0);
  });

  it("over TLS, on a keep-alive connection opened before the file was emptied, too", async () => {
    const file = join(dir, "tls-users.yml");
    const tls = `tls_server_config:\n  cert_file: ${join(TESTDATA, "server.crt")}\n  key_file: ${join(TESTDATA, "server.key")}\n`;
    await writeFile(file, `${tls}${USERS}`);
    server = await serveHttpLayer(file);
    const port = Number(new URL(server.url).port);
    const kept = tlsSession(port);
    try {
      expect(await kept.next()).toBe("401");
      await truncate(file, 0);
      expect(await kept.next()).toBe("401");
      // A new connection gets the last good TLS and users too.
      const fresh = tlsSession(port);
      expect(await fresh.next()).toBe("401");
      fresh.socket.destroy();
    } finally {
      kept.socket.destroy();
    }
  });

  it("starting on an empty file is the toolkit's no TLS, no auth", async () => {
    const file = join(dir, "empty-at-start.yml");
    await writeFile(file, "");
    server = await serveHttpLayer(file);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
  });
});
