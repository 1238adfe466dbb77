import { readFileSync, statSync } from "node:fs";

/** A file changed this recently may change again within the same timestamp tick. */
const RACY_MS = 2_000;

/**
 * A file's content as last read. `read()` costs one stat when the file is unchanged, so it can
 * run on every request or connection, as exporter-toolkit re-reads its files.
 */
export class FileSnapshot {
  #signature: string | undefined;
  #content: Buffer | undefined;
  #racy = true;

  constructor(readonly path: string) {}

  /** The content now, and whether it differs from the last read. Throws the fs error. */
  read(): { readonly content: Buffer; readonly changed: boolean } {
    try {
      const stat = statSync(this.path, { bigint: true });
      const signature = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
      if (signature === this.#signature && !this.#racy && this.#content !== undefined) {
        return { content: this.#content, changed: false };
      }
      const content = readFileSync(this.path);
      const changed = this.#content === undefined || !content.equals(this.#content);
      this.#signature = signature;
      this.#content = content;
      // Same size and timestamp can hide a rewrite made in the same tick: compare contents until then.
      const newest = Math.max(Number(stat.mtimeMs), Number(stat.ctimeMs));
      this.#racy = Date.now() - newest < RACY_MS;
      return { content, changed };
    } catch (error) {
      this.#signature = undefined;
      this.#content = undefined;
      throw error;
    }
  }
}
