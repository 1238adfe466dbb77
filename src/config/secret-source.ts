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
      const content = readFileSync(this.path, "utf8").replace(/\r?\n$/, "");
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

function identityOf(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}
