import { readFileSync, statSync } from "node:fs";

/**
 * A secret as configured: a fixed value, or the content of a `*_FILE` that is re-read when the
 * file changes (Kubernetes swaps mounted Secrets in place), without a restart.
 */
export class SecretSource {
  readonly path: string | undefined;
  #value: string | undefined;
  #identity: string | undefined;
  readonly #onChange: ((value: string) => void) | undefined;

  constructor(value: string | undefined, path?: string, onChange?: (value: string) => void) {
    this.#value = value;
    this.path = path;
    this.#onChange = onChange;
    this.#identity = path === undefined ? undefined : identityOf(path);
    if (value !== undefined) onChange?.(value);
  }

  /** The current value; a file that vanished or became unreadable keeps the last good value. */
  current(): string | undefined {
    if (this.path === undefined) return this.#value;
    const identity = identityOf(this.path);
    if (identity === undefined || identity === this.#identity) return this.#value;
    try {
      const content = secretFileText(readFileSync(this.path, "utf8"));
      this.#identity = identity;
      if (content !== "" && content !== this.#value) {
        this.#value = content;
        this.#onChange?.(content);
      }
    } catch {
      // Mid-swap or unreadable: try again next time.
    }
    return this.#value;
  }
}

/**
 * A secret file's content as the secret: without the byte-order mark Notepad writes first and the
 * trailing newline editors and `echo` write last (neither is ever part of a secret).
 */
export function secretFileText(content: string): string {
  return content.replace(/^\uFEFF/, "").replace(/\r?\n$/, "");
}

/** A file's identity (inode, size, mtime): a change means it was rewritten or swapped. */
export function identityOf(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}
