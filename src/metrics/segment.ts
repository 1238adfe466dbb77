import { type DeflatedPiece, deflatePiece, inflatePieceSync } from "./gzip-stream.js";

/**
 * A piece of the exposition, compressed (pieces of one gzip stream) and, while it is small, plain
 * too. A large one (a 100k-row poll renders 65 MiB, 5 MiB compressed) keeps only its compressed
 * pieces: Prometheus asks for gzip, and a plain scrape inflates them as they are written.
 */
export interface Segment {
  /** undefined: kept compressed only. */
  readonly plain: readonly Buffer[] | undefined;
  readonly deflated: readonly DeflatedPiece[];
}

/** Up to this many plain bytes, a segment keeps them beside the compressed pieces. */
export const KEEP_PLAIN_BELOW_BYTES = 4 * 1024 * 1024;

/**
 * Compresses chunk by chunk as they come (on the thread pool): no large copy, no long pause of
 * the event loop, and the plain chunks of a large segment dropped as soon as they are compressed.
 */
export async function toSegment(
  text: string | readonly Buffer[] | AsyncIterable<Buffer>,
): Promise<Segment> {
  const chunks = typeof text === "string" ? [Buffer.from(text, "utf8")] : text;
  let plain: Buffer[] | undefined = [];
  let plainBytes = 0;
  const deflated: DeflatedPiece[] = [];
  for await (const chunk of chunks) {
    deflated.push(await deflatePiece(chunk));
    plainBytes += chunk.length;
    if (plainBytes >= KEEP_PLAIN_BELOW_BYTES) plain = undefined;
    else plain?.push(chunk);
  }
  return { plain, deflated };
}

/** A part of a body: bytes as they are, or a compressed piece to inflate on the way out. */
export type BodyPart = Buffer | DeflatedPiece;

/** A segment's plain text (for tests and the golden files). */
export function segmentText(segment: Segment): string {
  const plain = segment.plain ?? segment.deflated.map(inflatePieceSync);
  return Buffer.concat(plain).toString("utf8");
}
