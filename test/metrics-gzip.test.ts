import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { constants, crc32, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32Combine, deflatePiece, gzipStream } from "../src/metrics/gzip-stream.js";

describe("one gzip stream from pieces compressed apart", () => {
  it("combines CRC-32s as zlib does", () => {
    const a = Buffer.from("partner_center_up 1\n");
    const b = Buffer.from("x".repeat(100_000));
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
    expect(crc32Combine(0, crc32(a), a.length)).toBe(crc32(a));
  });

  it("decompresses to the pieces joined, read as a single member (as curl and Go read it)", async () => {
    const texts = ["# HELP a A.\n# TYPE a gauge\n", 'a{x="1"} 1\n'.repeat(5000), "", "b 2\n"];
    const pieces = await Promise.all(texts.map((t) => deflatePiece(Buffer.from(t))));
    const body = Buffer.concat(gzipStream(pieces));
    expect(gunzipSync(body).toString()).toBe(texts.join(""));
    // One member: decompressing with a reader that stops after the first member gets it all.
    const firstMember = gunzipSync(body, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(firstMember.toString()).toBe(texts.join(""));
    // And the system's gzip agrees: no trailing garbage, the CRC and length check out.
    const dir = mkdtempSync(join(tmpdir(), "pce-gzip-"));
    try {
      writeFileSync(join(dir, "body.gz"), body);
      expect(
        execFileSync("gzip", ["-t", "-v", join(dir, "body.gz")], { stdio: "pipe" }).toString(),
      ).toBe("");
      expect(execFileSync("gzip", ["-dc", join(dir, "body.gz")]).toString()).toBe(texts.join(""));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
