import type { Writable } from "node:stream";
import { inflatePiece } from "./gzip-stream.js";
import type { BodyPart } from "./segment.js";

/** Small bodies are joined into one buffer (one write); large ones stay in pieces (no copy). */
const JOIN_BELOW_BYTES = 256 * 1024;

/**
 * A scrape's answer as the metrics keep it: its type and length for the headers, and how to
 * write it. The HTTP layer needs nothing else (not how the bytes are stored).
 */
export class Body {
  readonly contentType: string;
  readonly length: number;
  readonly #parts: readonly BodyPart[];
  readonly #inMemory: boolean;

  constructor(parts: readonly BodyPart[], contentType: string) {
    const length = parts.reduce((n, c) => n + c.length, 0);
    const inMemory = parts.every((c) => Buffer.isBuffer(c));
    this.#parts =
      inMemory && length < JOIN_BELOW_BYTES && parts.length > 1
        ? [Buffer.concat(parts as readonly Buffer[], length)]
        : parts;
    this.#inMemory = inMemory;
    this.contentType = contentType;
    this.length = length;
  }

  /**
   * Writes the body and ends the stream. In memory: at once, corked. A plain body whose large
   * segments are kept compressed: each piece inflated as it is written, one at a time, waiting
   * for the socket to drain, so a plain scrape never holds the whole text.
   */
  async writeTo(out: Writable): Promise<void> {
    if (this.#inMemory) {
      out.cork();
      for (const part of this.#parts) out.write(part);
      out.end();
      return;
    }
    for (const part of this.#parts) {
      if (out.destroyed) return;
      const bytes = Buffer.isBuffer(part) ? part : await inflatePiece(part);
      if (!out.write(bytes)) await drained(out);
    }
    out.end();
  }

  /** The whole body at once (for tests and tools; a scrape uses writeTo). */
  async bytes(): Promise<Buffer> {
    const parts = await Promise.all(
      this.#parts.map((part) => (Buffer.isBuffer(part) ? part : inflatePiece(part))),
    );
    return Buffer.concat(parts, this.length);
  }
}

function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
}
