import { createHmac, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type bcryptjs from "bcryptjs";
import { comparableHash } from "./bcrypt-hash.js";

const require = createRequire(import.meta.url);
// Loaded only when basic auth is configured.
let bcrypt: typeof bcryptjs | undefined;

/**
 * exporter-toolkit's hash of "fakepassword", checked when the user is unknown, so a wrong user
 * costs as much time as a wrong password.
 */
const DUMMY_HASH = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

export const BASIC_AUTH_CHALLENGE = 'Basic realm="partner-center-exporter", charset="UTF-8"';

/** `Authorization: Basic base64(user:password)`, or undefined when absent or malformed. */
export function parseBasicAuth(
  header: string | undefined,
): { user: string; password: string } | undefined {
  const match = /^basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? "");
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * exporter-toolkit's cache (cache.go): at most 100 verdicts; when full, about a tenth goes
 * (the oldest here, random entries there) before the next one is added.
 */
export class VerdictCache<V> {
  readonly #entries = new Map<string, V>();
  constructor(readonly capacity = 100) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.#entries.size >= this.capacity) {
      const drop = Math.max(1, Math.floor(this.#entries.size / 10)) + 1;
      for (const oldest of [...this.#entries.keys()].slice(0, drop)) this.#entries.delete(oldest);
    }
    this.#entries.set(key, value);
  }
}

function compare(password: string, hash: string): Promise<boolean> {
  const comparable = comparableHash(hash);
  if (comparable === undefined) return Promise.resolve(false);
  bcrypt ??= require("bcryptjs") as typeof bcryptjs;
  return bcrypt.compare(password, comparable).catch(() => false);
}

/**
 * Verifies a user against the users of the file as it is now. bcrypt is slow on purpose (tens of
 * ms), so verdicts are cached by user, hash and password, as the toolkit does: a changed hash is
 * a new entry. Keys are keyed digests, so the cache never holds a password.
 */
export class BasicAuthVerifier {
  readonly #verdicts = new VerdictCache<Promise<boolean>>();
  readonly #key = randomBytes(32);

  verify(users: ReadonlyMap<string, string>, user: string, password: string): Promise<boolean> {
    const known = users.get(user);
    const hash = known ?? DUMMY_HASH;
    const key = createHmac("sha256", this.#key)
      .update(JSON.stringify([user, hash, password]))
      .digest("base64");
    const cached = this.#verdicts.get(key);
    if (cached !== undefined) return cached;
    // Concurrent checks of one credential share the work.
    const verdict = compare(password, hash).then((match) => match && known !== undefined);
    this.#verdicts.set(key, verdict);
    return verdict;
  }
}
