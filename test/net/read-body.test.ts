import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { BodyTooLargeError, readBodyBytes, UndecodableBodyError } from "../../src/net/read-body.js";

const BODY = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));

/** How the test server writes BODY: announced or chunked, plain or gzip (damaged or not). */
type Shape = "announced" | "chunked" | "gzip" | "corrupt-gzip";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(shape: Shape): Promise<string> {
  server = createServer((_req, res) => {
    let bytes = BODY;
    const headers: Record<string, string> = {};
    if (shape === "gzip" || shape === "corrupt-gzip") {
      bytes = gzipSync(BODY);
      headers["content-encoding"] = "gzip";
      // The CRC-32 of the data, damaged.
      if (shape === "corrupt-gzip") bytes[bytes.length - 8] = (bytes.at(-8) ?? 0) ^ 0xff;
    }
    if (shape !== "chunked") headers["content-length"] = String(bytes.length);
    res.writeHead(200, headers);
    // Written in pieces, as a network delivers them.
    for (let at = 0; at < bytes.length; at += 16_384) res.write(bytes.subarray(at, at + 16_384));
    res.end();
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe("readBodyBytes", () => {
  it.each<Shape>(["announced", "chunked", "gzip"])(
    "reads a %s body whole, byte for byte",
    async (shape) => {
      const bytes = await readBodyBytes(await fetch(await serve(shape)), 1_000_000);
      expect(Buffer.from(bytes).equals(BODY)).toBe(true);
    },
  );

  it.each<Shape>(["announced", "chunked"])("stops a %s body past the limit", async (shape) => {
    const reading = readBodyBytes(await fetch(await serve(shape)), 100_000);
    await expect(reading).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it("names a body that does not decode as its Content-Encoding", async () => {
    const reading = readBodyBytes(await fetch(await serve("corrupt-gzip")), 1_000_000);
    await expect(reading).rejects.toBeInstanceOf(UndecodableBodyError);
    await expect(reading).rejects.toThrow(
      "response body does not decode as its Content-Encoding gzip (incorrect data check)",
    );
  });
});
