import { promisify } from "node:util";
import {
  constants,
  crc32,
  deflateRaw as deflateRawCallback,
  inflateRaw as inflateRawCallback,
  inflateRawSync,
} from "node:zlib";

const deflateRaw = promisify(deflateRawCallback);
const inflateRaw = promisify(inflateRawCallback);

/**
 * zlib level 1: a third of level 6's CPU for an exposition (108 ms against 319 ms for 65 MiB)
 * for 11% more bytes (4.8 MiB against 4.3); bench/gzip-knobs.mjs measures the trade-off.
 */
export const DEFLATE_LEVEL = 1;

/**
 * Compressed pieces that join into ONE gzip stream: each piece is raw deflate ending in a full
 * flush (byte-aligned, no back-references across pieces), so pieces compressed at different
 * times, once each, can be concatenated under one gzip header and one trailer. Some clients
 * (curl among them) read only the first member of a multi-member gzip body; this stays one member.
 */
export interface DeflatedPiece {
  readonly deflate: Buffer;
  /** CRC-32 and length of the uncompressed bytes, for the trailer. */
  readonly crc: number;
  readonly length: number;
}

export async function deflatePiece(plain: Buffer): Promise<DeflatedPiece> {
  const deflate = await deflateRaw(plain, {
    level: DEFLATE_LEVEL,
    finishFlush: constants.Z_FULL_FLUSH,
  });
  return { deflate, crc: crc32(plain), length: plain.length };
}

/** A piece's plain bytes again (a piece has no final block: inflated up to its flush). */
export function inflatePiece(piece: DeflatedPiece): Promise<Buffer> {
  return inflateRaw(piece.deflate, { finishFlush: constants.Z_SYNC_FLUSH });
}

export function inflatePieceSync(piece: DeflatedPiece): Buffer {
  return inflateRawSync(piece.deflate, { finishFlush: constants.Z_SYNC_FLUSH });
}

/** gzip header: magic, deflate, no flags, no mtime, no extra flags, OS unknown. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
/** A final, empty, fixed-Huffman deflate block: ends the stream. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** The chunks of one gzip stream holding the pieces in order. */
export function gzipStream(pieces: readonly DeflatedPiece[]): Buffer[] {
  let crc = 0;
  let length = 0;
  for (const piece of pieces) {
    crc = crc32Combine(crc, piece.crc, piece.length);
    length += piece.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return [HEADER, ...pieces.map((p) => p.deflate), FINAL_BLOCK, trailer];
}

// crc32_combine from zlib (Mark Adler): the CRC of A+B from CRC(A), CRC(B) and B's length,
// by multiplying with x^(8*len) modulo the CRC polynomial over GF(2).
function gf2Times(matrix: readonly number[], vector: number): number {
  let sum = 0;
  let v = vector >>> 0;
  for (let i = 0; v !== 0; i++, v >>>= 1) if (v & 1) sum ^= matrix[i] as number;
  return sum >>> 0;
}

function gf2Square(square: number[], matrix: readonly number[]): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(matrix, matrix[n] as number);
}

export function crc32Combine(crc1: number, crc2: number, length2: number): number {
  if (length2 <= 0) return crc1 >>> 0;
  const even: number[] = new Array(32).fill(0);
  const odd: number[] = new Array(32).fill(0);
  odd[0] = 0xedb88320;
  let row = 1;
  for (let n = 1; n < 32; n++) {
    odd[n] = row;
    row = (row << 1) >>> 0;
  }
  gf2Square(even, odd); // 2 zero bits
  gf2Square(odd, even); // 4 zero bits
  let crc = crc1 >>> 0;
  let remaining = length2;
  do {
    gf2Square(even, odd);
    if (remaining % 2 === 1) crc = gf2Times(even, crc);
    remaining = Math.floor(remaining / 2);
    if (remaining === 0) break;
    gf2Square(odd, even);
    if (remaining % 2 === 1) crc = gf2Times(odd, crc);
    remaining = Math.floor(remaining / 2);
  } while (remaining !== 0);
  return (crc ^ crc2) >>> 0;
}
