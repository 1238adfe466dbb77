import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import * as v from "valibot";
import { tokenFile } from "./schemas.js";

export const TOKEN_FILE = "refresh-token.json";
const FILE_VERSION: v.InferOutput<typeof tokenFile>["version"] = 1;

export interface StoredRefreshToken {
  readonly refreshToken: string;
  /** sha256 of the configured token it descends from: a different configured token wins. */
  readonly configuredSha256: string | undefined;
  readonly savedAt: string;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export type LoadOutcome =
  | { readonly kind: "found"; readonly token: StoredRefreshToken }
  | { readonly kind: "missing" }
  | { readonly kind: "unreadable"; readonly problem: string };

/**
 * Persists the rotated refresh token under STATE_DIR. A save writes a temporary file, fsyncs it,
 * renames it over the old one and fsyncs the directory, so a crash at any point leaves either
 * the old token or the new one on disk, never a torn file.
 */
export class RefreshTokenStore {
  readonly #dir: string;
  readonly #path: string;

  constructor(dir: string) {
    this.#dir = dir;
    this.#path = join(dir, TOKEN_FILE);
  }

  get path(): string {
    return this.#path;
  }

  async load(): Promise<LoadOutcome> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { kind: "missing" };
      return { kind: "unreadable", problem: `cannot read ${this.#path} (${code ?? "error"})` };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: reported below like any other file that is not ours.
    }
    const file = v.safeParse(tokenFile, body);
    if (file.success) {
      const { refreshToken, configuredSha256, savedAt } = file.output;
      return { kind: "found", token: { refreshToken, configuredSha256, savedAt } };
    }
    return {
      kind: "unreadable",
      problem: `${this.#path} is not a refresh token file; ignoring it`,
    };
  }

  /** Creates STATE_DIR if missing; the error says the real cause (EROFS, EACCES) and its path. */
  async createDir(): Promise<void> {
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw await realCause(this.#dir, error);
    }
  }

  async save(refreshToken: string, configuredSha256: string | undefined): Promise<void> {
    await this.createDir();
    const body = `${JSON.stringify({
      version: FILE_VERSION,
      refreshToken,
      configuredSha256,
      savedAt: new Date().toISOString(),
    })}\n`;
    const temp = join(
      this.#dir,
      `.${TOKEN_FILE}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
    );
    const file = await open(temp, "wx", 0o600);
    try {
      await file.writeFile(body, "utf8");
      await file.sync();
    } catch (error) {
      await file.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await file.close();
    try {
      await rename(temp, this.#path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    const dir = await open(this.#dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** Removes temporary files a crash left behind; the token file itself is never touched. */
  async removeLeftovers(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return;
    }
    const prefix = `.${TOKEN_FILE}.`;
    await Promise.all(
      names
        .filter((name) => name.startsWith(prefix) && name.endsWith(".tmp"))
        .map((name) => unlink(join(this.#dir, name)).catch(() => undefined)),
    );
  }
}

/**
 * Node's recursive mkdir answers ENOENT when a directory cannot be created at all (a read-only
 * file system, no permission): creating the first missing ancestor alone gives the real error.
 */
async function realCause(dir: string, error: unknown): Promise<unknown> {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") return error;
  let missing = dir;
  for (let parent = dirname(missing); parent !== missing; parent = dirname(missing)) {
    const exists = await stat(parent).then(
      () => true,
      () => false,
    );
    if (exists) break;
    missing = parent;
  }
  try {
    await mkdir(missing, { mode: 0o700 });
  } catch (cause) {
    return cause;
  }
  return error;
}

/** Which refresh token to start with: the persisted one, unless the operator configured a new one. */
export function chooseRefreshToken(
  configured: string | undefined,
  stored: StoredRefreshToken | undefined,
): { token: string; source: "configured" | "persisted" } | undefined {
  if (stored !== undefined) {
    if (configured === undefined || stored.configuredSha256 === sha256(configured)) {
      return { token: stored.refreshToken, source: "persisted" };
    }
  }
  return configured === undefined ? undefined : { token: configured, source: "configured" };
}
