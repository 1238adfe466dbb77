import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { VerdictCache } from "../../src/http/basic-auth.js";
import type { RunningServer } from "../../src/http/server.js";
import { serveHttpLayer } from "./http-layer.js";
import { TESTDATA } from "./toolkit-corpus.js";

/**
 * exporter-toolkit reads the web config on every request: users and headers change without a
 * restart. Its handler_test.go and cache_test.go, ported, pin the bcrypt cache.
 */

let dir: string;
let server: RunningServer | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pce-live-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close(0);
  server = undefined;
});

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

async function status(url: string, user: string, password: string): Promise<number> {
  return (await fetch(`${url}/healthz`, { headers: basic(user, password) })).status;
}

describe("the web config file while serving", () => {
  it("a user added, changed or removed takes effect at the next request, without a restart", async () => {
    const file = join(dir, "users.yml");
    const hashOf = (password: string) => bcrypt.hashSync(password, 4);
    await writeFile(file, `basic_auth_users:\n  alice: ${hashOf("a-pass")}\n`);
    server = await serveHttpLayer(file);
    const { url } = server;
    expect([await status(url, "alice", "a-pass"), await status(url, "bob", "b-pass")]).toEqual([
      200, 401,
    ]);

    await writeFile(
      file,
      `basic_auth_users:\n  alice: ${hashOf("a-pass")}\n  bob: ${hashOf("b-pass")}\n`,
    );
    expect([await status(url, "alice", "a-pass"), await status(url, "bob", "b-pass")]).toEqual([
      200, 200,
    ]);

    await writeFile(file, `basic_auth_users:\n  bob: ${hashOf("new-pass")}\n`);
    expect([
      await status(url, "alice", "a-pass"),
      await status(url, "bob", "b-pass"),
      await status(url, "bob", "new-pass"),
    ]).toEqual([401, 401, 200]);

    // Emptied: the last good users stay (test/http/web-config-fail-closed.test.ts has the rest).
    await writeFile(file, "");
    expect((await fetch(`${url}/healthz`)).status).toBe(401);
    // Removed on purpose, in a valid file: no users, no auth.
    await writeFile(file, "http_server_config: {}\n");
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("headers follow the file; a file that breaks keeps the last good headers until it is fixed", async () => {
    const file = join(dir, "headers.yml");
    await writeFile(file, "http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
    server = await serveHttpLayer(file);
    const { url } = server;
    expect((await fetch(`${url}/healthz`)).headers.get("x-frame-options")).toBe("deny");
    await writeFile(file, "http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n");
    expect((await fetch(`${url}/healthz`)).headers.get("x-frame-options")).toBe("sameorigin");
    const frameOptions = async () => (await fetch(`${url}/healthz`)).headers.get("x-frame-options");
    await writeFile(file, "basic_auth_users: [\n");
    expect(await frameOptions()).toBe("sameorigin");
    await rm(file);
    expect(await frameOptions()).toBe("sameorigin");
    await writeFile(file, "http_server_config: {}\n");
    const answer = await fetch(`${url}/healthz`);
    expect([answer.status, answer.headers.get("x-frame-options")]).toEqual([200, null]);
  });
});

describe("handler_test.go and cache_test.go (web_config_users_noTLS.good.yml)", () => {
  const corpusUsers = join(TESTDATA, "web_config_users_noTLS.good.yml");

  it("TestBasicAuthCache: alice logs in and fails, then 150 of each at once", async () => {
    server = await serveHttpLayer(corpusUsers);
    const { url } = server;
    expect([
      await status(url, "alice", "alice123"),
      await status(url, "alice", "alice1234"),
    ]).toEqual([200, 401]);
    const logins = Array.from({ length: 150 }, () => [
      status(url, "alice", "alice123"),
      status(url, "alice", "alice1234"),
    ]).flat();
    const statuses = await Promise.all(logins);
    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    expect(statuses.filter((s) => s === 401)).toHaveLength(150);
  });

  it("TestBasicAuthWithFakepassword: the unknown-user hash's password never logs in, cold or cached", async () => {
    server = await serveHttpLayer(corpusUsers);
    expect(await status(server.url, "fakeuser", "fakepassword")).toBe(401);
    expect(await status(server.url, "fakeuser", "fakepassword")).toBe(401);
  });

  it("TestByPassBasicAuthVuln (CVE-2022-46146): a poisoned cache key lets nobody in", async () => {
    server = await serveHttpLayer(corpusUsers);
    const { url } = server;
    const aliceHash = "$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby";
    const fakeHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
    expect(await status(url, `alice${aliceHash}`, "fakepassword")).toBe(401);
    expect(await status(url, "alice", `${fakeHash}fakepassword`)).toBe(401);
  });

  it("TestCacheSize: at most 100 verdicts; a full cache drops to 90 with the new one", () => {
    const cache = new VerdictCache<boolean>();
    let expected = 0;
    for (let i = 0; i < 200; i++) {
      cache.set(`foo${i}`, true);
      expected++;
      if (expected > 100) expected = 90;
      expect([i, cache.size]).toEqual([i, expected]);
    }
  });
});
