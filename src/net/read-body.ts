/** A body that asking again would not make any better: never retried. */
export abstract class UnusableBodyError extends Error {}

/** Thrown when a response body is larger than the exporter will hold in memory. */
export class BodyTooLargeError extends UnusableBodyError {
  constructor(readonly limitBytes: number) {
    super(`response body exceeds ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Thrown when a body's Content-Encoding (gzip, deflate, br) does not decode: a corrupt body. */
export class UndecodableBodyError extends UnusableBodyError {
  constructor(encoding: string, detail: string) {
    super(`response body does not decode as its Content-Encoding ${encoding} (${detail})`);
    this.name = "UndecodableBodyError";
  }
}

/** fetch's decoder failing: zlib's or brotli's error (errno, code Z_* or ERR__*) as the cause. */
function decoderFailure(response: Response, error: unknown): UndecodableBodyError | undefined {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  if (!(cause instanceof Error) || !("errno" in cause) || !("code" in cause)) return undefined;
  if (typeof cause.code !== "string" || !/^(Z_|ERR__)/.test(cause.code)) return undefined;
  const encoding = response.headers.get("content-encoding") ?? "none";
  return new UndecodableBodyError(encoding, cause.message);
}

/**
 * Reads a response body whole, stopping (and cancelling the stream) past limitBytes, without a
 * leading UTF-8 byte-order mark: Partner Center (and other Microsoft services) can start a body
 * with one although JSON forbids it (RFC 8259 8.1). It goes here, the one place, so no reader of
 * the bytes or of the text has to (Buffer#toString would keep it and JSON.parse fail).
 */
export async function readBodyBytes(response: Response, limitBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limitBytes) {
    await response.body?.cancel();
    throw new BodyTooLargeError(limitBytes);
  }
  if (response.body === null) return new Uint8Array(0);
  const body = new BodyBuffer(response.headers.get("content-encoding") === null ? declared : 0);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read().catch((error: unknown) => {
      throw decoderFailure(response, error) ?? error;
    });
    if (done) break;
    if (body.total + value.byteLength > limitBytes) {
      await reader.cancel();
      throw new BodyTooLargeError(limitBytes);
    }
    body.add(value);
  }
  return withoutBom(body.bytes());
}

/**
 * A body's bytes as they arrive. With its length announced (and no encoding to change it), one
 * buffer of that length filled in place: a list of chunks and their concatenation would hold a
 * 60 MiB body twice for a moment. Chunks otherwise, or once more arrives than was announced.
 */
class BodyBuffer {
  total = 0;
  #whole: Buffer | undefined;
  readonly #chunks: Uint8Array[] = [];

  constructor(announced: number) {
    this.#whole =
      Number.isInteger(announced) && announced > 0 ? Buffer.allocUnsafe(announced) : undefined;
  }

  add(chunk: Uint8Array): void {
    const whole = this.#whole;
    if (whole !== undefined && this.total + chunk.byteLength <= whole.length) {
      whole.set(chunk, this.total);
    } else {
      if (whole !== undefined) this.#chunks.push(whole.subarray(0, this.total));
      this.#whole = undefined;
      this.#chunks.push(chunk);
    }
    this.total += chunk.byteLength;
  }

  bytes(): Uint8Array {
    if (this.#whole !== undefined) return this.#whole.subarray(0, this.total);
    const chunks = this.#chunks;
    return chunks.length === 1 && chunks[0] !== undefined
      ? chunks[0]
      : Buffer.concat(chunks, this.total);
  }
}

// readBodyBytes has dropped a leading byte-order mark already: a second one would be content.
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** An answer's bytes (from readBodyBytes) as text. */
export function textOf(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}

function withoutBom(bytes: Uint8Array): Uint8Array {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}
