/** Thrown when a response body is larger than the exporter will hold in memory. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`response body exceeds ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

// The one place where an answer's bytes become text. Partner Center (and other Microsoft services)
// can start a body with a UTF-8 byte-order mark although JSON forbids it (RFC 8259 8.1): the
// decoder drops it here, so no caller has to (Buffer#toString would keep it and JSON.parse fail).
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: false });

/**
 * Reads a response body as UTF-8 text without a leading byte-order mark, stopping (and
 * cancelling the stream) past limitBytes.
 */
export async function readBodyText(response: Response, limitBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limitBytes) {
    await response.body?.cancel();
    throw new BodyTooLargeError(limitBytes);
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  return UTF8.decode(Buffer.concat(chunks, total));
}
