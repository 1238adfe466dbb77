import { createHmac, randomBytes } from "node:crypto";
import { comparableHash } from "./bcrypt-hash.js";
import { PasswordCheckPool } from "./password-checks.js";

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

/** A check's outcome; busy: too many checks waiting, refused without one. */
export type Verdict = "granted" | "denied" | "busy";

/**
 * Verifies a user against the users of the file as it is now. bcrypt is slow on purpose (tens of
 * ms), so it runs in worker threads with a bounded queue, and verdicts are cached by user, hash
 * and password, as the toolkit does: a changed hash is a new entry. Granted and denied verdicts
 * have a cache each, so a flood of wrong passwords never pushes a correct one out. Keys are keyed
 * digests, so the caches never hold a password.
 */
export class BasicAuthVerifier {
  readonly #granted = new VerdictCache<true>();
  readonly #denied = new VerdictCache<true>();
  /** Concurrent checks of one credential share the work. */
  readonly #inFlight = new Map<string, Promise<Verdict>>();
  readonly #key = randomBytes(32);
  readonly #pool: PasswordCheckPool;

  constructor(pool: PasswordCheckPool = new PasswordCheckPool()) {
    this.#pool = pool;
  }

  verify(users: ReadonlyMap<string, string>, user: string, password: string): Promise<Verdict> {
    const known = users.get(user);
    const hash = known ?? DUMMY_HASH;
    const key = createHmac("sha256", this.#key)
      .update(JSON.stringify([user, hash, password]))
      .digest("base64");
    if (this.#granted.get(key)) return Promise.resolve("granted");
    if (this.#denied.get(key)) return Promise.resolve("denied");
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const comparable = comparableHash(hash);
    const match =
      comparable === undefined ? Promise.resolve(false) : this.#pool.check(password, comparable);
    if (match === undefined) return Promise.resolve("busy");
    const verdict = match.then((ok): Verdict => {
      this.#inFlight.delete(key);
      const granted = ok && known !== undefined;
      (granted ? this.#granted : this.#denied).set(key, true);
      return granted ? "granted" : "denied";
    });
    this.#inFlight.set(key, verdict);
    return verdict;
  }

  /** Stops the password-check workers. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
