import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  chooseRefreshToken,
  RefreshTokenStore,
  sha256,
  TOKEN_FILE,
} from "../../src/auth/refresh-token-store.js";
import { testDir } from "../helpers/temp-dir.js";

function freshDir(): Promise<string> {
  return testDir("pce-store-");
}

describe("RefreshTokenStore", () => {
  it("saves with mode 0600 and loads what it saved", async () => {
    const dir = await freshDir();
    const store = new RefreshTokenStore(dir);
    expect(await store.load()).toEqual({ kind: "missing" });
    await store.save("token-one", sha256("configured"));
    const mode = (await stat(join(dir, TOKEN_FILE))).mode & 0o777;
    expect(mode).toBe(0o600);
    const loaded = await store.load();
    expect(loaded).toMatchObject({
      kind: "found",
      token: { refreshToken: "token-one", configuredSha256: sha256("configured") },
    });
    await store.save("token-two", sha256("configured"));
    expect(await store.load()).toMatchObject({ token: { refreshToken: "token-two" } });
    // No temporary files are left behind by a save.
    expect(await readdir(dir)).toEqual([TOKEN_FILE]);
  });

  it("creates STATE_DIR when it does not exist", async () => {
    const dir = join(await freshDir(), "nested", "state");
    await new RefreshTokenStore(dir).save("t", undefined);
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it("calls a damaged file unreadable instead of using it", async () => {
    const dir = await freshDir();
    await writeFile(join(dir, TOKEN_FILE), '{"version":1,"refreshTo');
    const outcome = await new RefreshTokenStore(dir).load();
    expect(outcome.kind).toBe("unreadable");
  });

  it("removes temporary files a crash left, and never the token file", async () => {
    const dir = await freshDir();
    const store = new RefreshTokenStore(dir);
    await store.save("kept", undefined);
    await writeFile(join(dir, `.${TOKEN_FILE}.123.abc.tmp`), "half");
    await store.removeLeftovers();
    expect(await readdir(dir)).toEqual([TOKEN_FILE]);
    expect(JSON.parse(await readFile(join(dir, TOKEN_FILE), "utf8")).refreshToken).toBe("kept");
  });
});

describe("chooseRefreshToken", () => {
  const stored = (token: string, configured: string | undefined) => ({
    refreshToken: token,
    configuredSha256: configured === undefined ? undefined : sha256(configured),
    savedAt: "2026-11-26T00:00:00.000Z",
  });

  it("prefers the persisted (rotated) token descended from the configured one", () => {
    expect(chooseRefreshToken("first", stored("rotated", "first"))).toEqual({
      token: "rotated",
      source: "persisted",
    });
  });

  it("uses a configured token that changed since (the operator re-consented)", () => {
    expect(chooseRefreshToken("new", stored("rotated", "first"))).toEqual({
      token: "new",
      source: "configured",
    });
  });

  it("runs on the persisted token alone when none is configured", () => {
    expect(chooseRefreshToken(undefined, stored("rotated", "first"))).toEqual({
      token: "rotated",
      source: "persisted",
    });
  });

  it("has nothing to offer without either", () => {
    expect(chooseRefreshToken(undefined, undefined)).toBeUndefined();
  });
});
