import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { RefreshTokenStore, TOKEN_FILE } from "../../src/auth/refresh-token-store.js";

const SAVER = fileURLToPath(new URL("./token-saver.mjs", import.meta.url));
const KILLS = 60;
const TOTAL_BUDGET_MS = 25_000;

/** `k3.17` -> [3, 17]: which child, which save; comparable in time order. */
function order(name: string): [number, number] {
  const match = /^k(\d+)\.(\d+)$/.exec(name);
  if (match === null) throw new Error(`not a token this test wrote: ${name.slice(0, 40)}`);
  return [Number(match[1]), Number(match[2])];
}
const isEarlier = (a: string, b: string): boolean => {
  const [ai, an] = order(a);
  const [bi, bn] = order(b);
  return ai < bi || (ai === bi && an < bn);
};

/** Runs the saver, SIGKILLs it after `delayMs` of saving, and returns every line it wrote. */
function saveThenKill(dir: string, prefix: string, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SAVER, dir, prefix], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let armed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!armed && out.includes("ready\n")) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    // "close": after the pipes drained, so every line written before the kill is here.
    child.on("close", (_code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`saver ended without SIGKILL: ${err}`));
      else resolve(out.split("\n").filter(Boolean));
    });
  });
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("SIGKILL while saving a rotated refresh token (the built RefreshTokenStore)", () => {
  it(`leaves one whole valid token on disk, old or new, across ${KILLS} kills`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "pce-sigkill-"));
    dirs.push(dir);
    const started = Date.now();
    let confirmed: string | undefined;
    let killedMidSave = 0;
    let kills = 0;
    for (let i = 0; i < KILLS && Date.now() - started < TOTAL_BUDGET_MS; i++) {
      const lines = await saveThenKill(dir, `k${i}`, Math.random() * 15);
      kills++;
      const announced = lines.filter((l) => l.startsWith("saving ")).map((l) => l.slice(7));
      const saved = lines.filter((l) => l.startsWith("saved ")).map((l) => l.slice(6));
      if (announced.length > saved.length) killedMidSave++;
      confirmed = saved.at(-1) ?? confirmed;
      const newest = announced.at(-1);

      const loaded = await new RefreshTokenStore(dir).load();
      if (confirmed === undefined && loaded.kind === "missing") continue; // nothing saved yet
      expect(loaded.kind, `after kill ${i}`).toBe("found");
      if (loaded.kind !== "found") return;
      const [name, padding] = [
        loaded.token.refreshToken.split(".").slice(0, 2).join("."),
        loaded.token.refreshToken.split(".")[2],
      ];
      // Whole: the padding is all there. Old or new: not before the last confirmed save,
      // not after the last one started.
      expect(padding).toBe("t".repeat(32 * 1024));
      if (confirmed !== undefined)
        expect(isEarlier(name, confirmed), `after kill ${i}`).toBe(false);
      if (newest !== undefined) expect(isEarlier(newest, name), `after kill ${i}`).toBe(false);
      expect((await stat(join(dir, TOKEN_FILE))).mode & 0o777).toBe(0o600);
    }
    // The interesting window was hit, and a start-up's cleanup leaves only the token file.
    expect(killedMidSave).toBeGreaterThan(0);
    await new RefreshTokenStore(dir).removeLeftovers();
    expect(await readdir(dir)).toEqual([TOKEN_FILE]);
    console.log(
      `SIGKILL torture: ${kills} kills, ${killedMidSave} inside a save, ${Date.now() - started} ms; token file always whole`,
    );
  }, 40_000);
});
