/**
 * bcrypt hashes as Go's golang.org/x/crypto/bcrypt reads them: what exporter-toolkit accepts at
 * start-up (bcrypt.Cost) and how it compares (the version letters are not used).
 */

const MIN_HASH_SIZE = 59;
const SALT_LENGTH = 22;

interface DecodedHash {
  readonly cost: number;
  /** Salt and checksum, after the cost. */
  readonly rest: string;
}

function decode(hash: string): DecodedHash | string {
  if (Buffer.byteLength(hash) < MIN_HASH_SIZE) return "too short";
  if (hash[0] !== "$") return 'no leading "$"';
  if ((hash[1] ?? "") > "2") return "a version newer than 2";
  const at = hash[2] === "$" ? 3 : 4;
  const costText = hash.slice(at, at + 2);
  const cost = /^[+-]?\d+$/.test(costText) ? Number(costText) : Number.NaN;
  if (!(cost >= 4 && cost <= 31)) return "no cost from 04 to 31";
  return { cost, rest: hash.slice(at + 3) };
}

/** Why Go's bcrypt.Cost refuses the hash, or undefined when it accepts it. */
export function bcryptHashProblem(hash: string): string | undefined {
  const decoded = decode(hash);
  return typeof decoded === "string" ? decoded : undefined;
}

/**
 * The hash in the `$2b$` form bcryptjs compares with; Go computes every version alike (with the
 * key's trailing NUL, as `$2b$` does). undefined: Go could not compare with it either.
 */
export function comparableHash(hash: string): string | undefined {
  const decoded = decode(hash);
  if (typeof decoded === "string" || decoded.rest.length < SALT_LENGTH) return undefined;
  return `$2b$${String(decoded.cost).padStart(2, "0")}$${decoded.rest}`;
}
