const MIN_SECRET_LENGTH = 6;
const MAX_ROTATED = 32;
const MASK = "[REDACTED]";

/**
 * The last line of defence for secrets: every log line passes through scrub(), which masks any
 * value registered here (configured secrets and every token seen), whatever field it hides in
 * and in every spelling it can travel in (see spellings()). The logger's `redact` paths are the
 * first line; this one makes a missed path, or an upstream that echoes a request, harmless.
 */
export class SecretScrubber {
  readonly #fixed = new Set<string>();
  /** The newest short-lived secrets, each with all its spellings. */
  readonly #rotating: string[][] = [];

  /** A secret that lives as long as the process (client secret, configured refresh token). */
  add(secret: string | undefined): void {
    for (const spelling of spellings(secret)) this.#fixed.add(spelling);
  }

  /** A short-lived secret (access and rotated refresh tokens); only the newest few are kept. */
  addRotating(secret: string | undefined): void {
    const all = spellings(secret);
    const first = all[0];
    if (first === undefined || this.#fixed.has(first)) return;
    if (this.#rotating.some((known) => known[0] === first)) return;
    this.#rotating.push(all);
    if (this.#rotating.length > MAX_ROTATED) this.#rotating.shift();
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.#fixed) if (out.includes(secret)) out = out.replaceAll(secret, MASK);
    for (const group of this.#rotating) {
      for (const secret of group) if (out.includes(secret)) out = out.replaceAll(secret, MASK);
    }
    return out;
  }
}

/**
 * Every spelling a secret can travel in, the raw one first: JSON-escaped (inside a JSON log
 * line), percent-encoded as encodeURIComponent does and as a form (application/x-www-form-
 * urlencoded: `+` for a space, `~` and `!'()` encoded), each with upper- and lower-case hex, and
 * base64 (a `user:password` pair is what proxy Basic auth sends). A form an authority echoes
 * back in its error_description is masked as well as the value itself.
 */
export function spellings(secret: string | undefined): string[] {
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH) return [];
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const found = new Set([
    secret,
    JSON.stringify(secret).slice(1, -1),
    uri,
    lowerHex(uri),
    form,
    lowerHex(form),
    Buffer.from(secret).toString("base64"),
  ]);
  return [...found];
}

function lowerHex(encoded: string): string {
  return encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
}
