import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";

/** A file changed this recently may change again within the same timestamp tick. */
const RACY_MS = 2_000;
/** Far above any web config; a file past it (or /dev/zero behind a symlink) is never read whole. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** The path is there but must not be read: not a regular file, or too large. */
export class UnreadableFileError extends Error {
  override name = "UnreadableFileError";
}

/**
 * Reads a regular file without ever blocking: opened with O_NONBLOCK (a FIFO with no writer
 * opens at once), checked with fstat on the open descriptor (no race with a swap of the path),
 * and read up to MAX_FILE_BYTES.
 */
function readRegularFile(path: string): { content: Buffer; signature: string; newestMs: number } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile()) throw new UnreadableFileError("not a regular file");
    if (stat.size > BigInt(MAX_FILE_BYTES)) {
      throw new UnreadableFileError(`larger than ${MAX_FILE_BYTES} bytes`);
    }
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > MAX_FILE_BYTES)
      throw new UnreadableFileError(`larger than ${MAX_FILE_BYTES} bytes`);
    return {
      content: Buffer.from(buffer.subarray(0, length)),
      signature: `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`,
      newestMs: Math.max(Number(stat.mtimeMs), Number(stat.ctimeMs)),
    };
  } finally {
    closeSync(fd);
  }
}

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
      const read = readRegularFile(this.path);
      const changed = this.#content === undefined || !read.content.equals(this.#content);
      this.#signature = read.signature;
      this.#content = read.content;
      // Same size and timestamp can hide a rewrite made in the same tick: compare contents until then.
      this.#racy = Date.now() - read.newestMs < RACY_MS;
      return { content: read.content, changed };
    } catch (error) {
      this.#signature = undefined;
      this.#content = undefined;
      throw error;
    }
  }
}
