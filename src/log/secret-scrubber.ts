const MIN_SECRET_LENGTH = 6;
const MAX_ROTATED = 32;
const MASK = "[REDACTED]";

/**
 * The last line of defence for secrets: every log line passes through scrub(), which masks any
 * value registered here (configured secrets and every token seen), whatever field it hides in.
 * The logger's `redact` paths are the first line; this one makes a missed path harmless.
 */
export class SecretScrubber {
  readonly #fixed = new Set<string>();
  readonly #rotating: string[] = [];

  /** A secret that lives as long as the process (client secret, configured refresh token). */
  add(secret: string | undefined): void {
    for (const form of forms(secret)) this.#fixed.add(form);
  }

  /** A short-lived secret (access and rotated refresh tokens); only the newest few are kept. */
  addRotating(secret: string | undefined): void {
    for (const form of forms(secret)) {
      if (this.#rotating.includes(form) || this.#fixed.has(form)) continue;
      this.#rotating.push(form);
      if (this.#rotating.length > MAX_ROTATED) this.#rotating.shift();
    }
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.#fixed) if (out.includes(secret)) out = out.replaceAll(secret, MASK);
    for (const secret of this.#rotating)
      if (out.includes(secret)) out = out.replaceAll(secret, MASK);
    return out;
  }
}

/** The raw value and its JSON-escaped form, as it would appear inside a JSON log line. */
function forms(secret: string | undefined): string[] {
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH) return [];
  const escaped = JSON.stringify(secret).slice(1, -1);
  return escaped === secret ? [secret] : [secret, escaped];
}
