import { execFile, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { TOKEN_FILE } from "../../src/auth/refresh-token-store.js";
import { type Harness, sampleValue, startHarness } from "../helpers/harness.js";
import { CLI } from "../helpers/process.js";

/**
 * A STATE_DIR that refuses the rotated refresh token. Tests run as root, which chmod cannot
 * stop, so "read-only" is a path under a regular file (ENOTDIR) or a directory swapped for a
 * file, and "full" is a file-size limit (ulimit -f 0: every write fails with EFBIG, as on a
 * full disk). In each case the exporter keeps running on the token in memory and says so.
 */

const PERSISTED = "partner_center_refresh_token_persisted";
const NOT_PERSISTED =
  /^could not persist the rotated refresh token: running on the token in memory/;

let harness: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pce-statedir-"));
  dirs.push(dir);
  return dir;
}

/** Forces a refresh (and so a rotation) at the next poll, and polls. */
async function rotate(h: Harness): Promise<string> {
  h.simulator.expireAccessTokens();
  await h.exporter.poller.pollOnce();
  return h.scrape();
}

/**
 * A directory nobody may create anything in: as root (which permissions cannot stop), a
 * read-only tmpfs mounted on it (EROFS); as anyone else, mode 0555 (EACCES).
 */
async function readOnlyDir(): Promise<{ dir: string; code: string }> {
  const dir = await tempDir();
  if (process.getuid?.() !== 0) {
    await chmod(dir, 0o555);
    return { dir, code: "EACCES" };
  }
  await promisify(execFile)("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir]);
  unmount.push(dir);
  return { dir, code: "EROFS" };
}
const unmount: string[] = [];
afterEach(async () => {
  for (const dir of unmount.splice(0)) await promisify(execFile)("umount", [dir]);
});

describe("fault matrix: STATE_DIR cannot take the rotated token", () => {
  it("on a read-only file system: the log says EROFS (or EACCES) and the path, not ENOENT", async () => {
    const { dir, code } = await readOnlyDir();
    const stateDir = join(dir, "pce", "state");
    harness = await startHarness({ env: { STATE_DIR: stateDir } });
    const h = harness;
    expect(sampleValue(await h.scrape(), "partner_center_up")).toBe(1);
    expect(sampleValue(await h.scrape(), PERSISTED)).toBe(0);
    const lines = h.logs.lines();
    expect(lines.find((l) => l.msg.startsWith("STATE_DIR cannot be created"))).toMatchObject({
      level: "error",
      stateDir,
      code,
      path: join(dir, "pce"),
    });
    expect(lines.find((l) => NOT_PERSISTED.test(l.msg))).toMatchObject({
      level: "error",
      code,
      path: join(dir, "pce"),
    });
  });

  it("unwritable from the start (a path under a regular file): runs on the token in memory, says so", async () => {
    const base = await tempDir();
    await writeFile(join(base, "not-a-dir"), "");
    const stateDir = join(base, "not-a-dir", "state");
    harness = await startHarness({ env: { STATE_DIR: stateDir } });
    const h = harness;
    let text = await h.scrape();
    expect(sampleValue(text, "partner_center_up")).toBe(1);
    expect(sampleValue(text, PERSISTED)).toBe(0);
    const lines = h.logs.lines();
    expect(lines.find((l) => l.msg.startsWith("STATE_DIR cannot be created"))).toMatchObject({
      level: "error",
      code: "ENOTDIR",
    });
    expect(lines.find((l) => NOT_PERSISTED.test(l.msg))).toMatchObject({
      level: "error",
      code: "ENOTDIR",
    });
    // The configured token was rotated away (the authority revoked it): only the in-memory
    // token can sign in now, and it does, rotation after rotation.
    for (let i = 0; i < 3; i++) {
      text = await rotate(h);
      expect(sampleValue(text, "partner_center_up")).toBe(1);
    }
    expect(sampleValue(text, 'partner_center_token_refreshes_total{result="success"}')).toBe(4);
    expect(sampleValue(text, 'partner_center_token_refreshes_total{result="invalid_grant"}')).toBe(
      0,
    );
  });

  it("taken away while running (the directory replaced by a file), then given back", async () => {
    harness = await startHarness();
    const h = harness;
    expect(sampleValue(await h.scrape(), PERSISTED)).toBe(1);
    await rm(h.stateDir, { recursive: true });
    await writeFile(h.stateDir, "in the way");
    let text = await rotate(h);
    expect(sampleValue(text, "partner_center_up")).toBe(1);
    expect(sampleValue(text, PERSISTED)).toBe(0);
    const refused = h.logs.lines().filter((l) => NOT_PERSISTED.test(l.msg));
    expect(refused).toHaveLength(1);
    expect(refused[0]?.code).toMatch(/^E[A-Z]+$/);
    text = await rotate(h);
    expect(sampleValue(text, "partner_center_up")).toBe(1);

    await rm(h.stateDir);
    await mkdir(h.stateDir);
    text = await rotate(h);
    expect(sampleValue(text, PERSISTED)).toBe(1);
    const saved = JSON.parse(await readFile(join(h.stateDir, TOKEN_FILE), "utf8")) as {
      refreshToken: string;
    };
    expect(saved.refreshToken).toBe(h.simulator.currentRefreshToken);
  });

  it("full (every write fails with EFBIG): the old token file stays whole, no temp files, the exporter serves on", async () => {
    const stateDir = await tempDir();
    const old = `${JSON.stringify({
      version: 1,
      refreshToken: "0.old-token-from-an-earlier-run",
      configuredSha256: "0".repeat(64),
      savedAt: "2026-11-01T00:00:00.000Z",
    })}\n`;
    await writeFile(join(stateDir, TOKEN_FILE), old, { mode: 0o600 });
    // The limit applies to files only; stdout and stderr are pipes.
    const child = spawn(
      "bash",
      [
        "-c",
        'ulimit -f 0 && exec "$0" "$@"',
        process.execPath,
        CLI,
        "--demo",
        "--web.listen-address=127.0.0.1:0",
        "--log.format=json",
        `--state.dir=${stateDir}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      const deadline = Date.now() + 10_000;
      while (!/"msg":"poll succeeded"/.test(out) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const lines = out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const refused = lines.find((l) => NOT_PERSISTED.test(String(l.msg)));
      expect(refused, out).toMatchObject({ level: "error", code: "EFBIG" });
      const url = String(lines.find((l) => l.msg === "partner-center-exporter listening")?.url);
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(sampleValue(text, "partner_center_up")).toBe(1);
      expect(sampleValue(text, PERSISTED)).toBe(0);
      expect(await readFile(join(stateDir, TOKEN_FILE), "utf8")).toBe(old);
      expect(await readdir(stateDir)).toEqual([TOKEN_FILE]);
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
