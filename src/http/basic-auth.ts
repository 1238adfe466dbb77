import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type bcryptjs from "bcryptjs";
import type { NextFunction, Request, Response } from "express";

const require = createRequire(import.meta.url);
// Loaded only when basic auth is configured.
let bcrypt: typeof bcryptjs | undefined;

/** Checked against when the user is unknown, so a wrong user costs as much time as a wrong password. */
const DUMMY_HASH = "$2b$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
/** bcrypt is slow on purpose (tens of ms): remember recent verdicts, as exporter-toolkit does. */
const CACHE_SIZE = 100;

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

/** Verifies users against bcrypt hashes; concurrent checks of one credential share the work. */
export class BasicAuthVerifier {
  readonly #users: ReadonlyMap<string, string>;
  /** Keyed by a digest of user, hash and password (never the password itself). */
  readonly #verdicts = new Map<string, Promise<boolean>>();

  constructor(users: ReadonlyMap<string, string>) {
    this.#users = users;
  }

  verify(user: string, password: string): Promise<boolean> {
    const known = this.#users.get(user);
    const hash = known ?? DUMMY_HASH;
    const key = createHash("sha256").update(`${user}\0${hash}\0${password}`).digest("hex");
    const cached = this.#verdicts.get(key);
    if (cached !== undefined) return cached;
    bcrypt ??= require("bcryptjs") as typeof bcryptjs;
    const verdict = bcrypt
      .compare(password, hash)
      .then((match) => match && known !== undefined)
      .catch(() => false);
    this.#verdicts.set(key, verdict);
    if (this.#verdicts.size > CACHE_SIZE) {
      const oldest = this.#verdicts.keys().next().value;
      if (oldest !== undefined) this.#verdicts.delete(oldest);
    }
    return verdict;
  }
}

/** Express middleware: 401 with a Basic challenge unless the request carries a valid user. */
export function basicAuth(verifier: BasicAuthVerifier) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const credentials = parseBasicAuth(req.get("authorization"));
    const reject = (): void => {
      res
        .status(401)
        .set("WWW-Authenticate", BASIC_AUTH_CHALLENGE)
        .type("text/plain")
        .send("unauthorized\n");
    };
    if (credentials === undefined) {
      reject();
      return;
    }
    verifier.verify(credentials.user, credentials.password).then((ok) => {
      if (ok) next();
      else reject();
    }, next);
  };
}
