import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { constants, crc32, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Sample } from "../../src/collectors/collector.js";
import { partnerUsageCollector } from "../../src/collectors/partner-usage.js";
import { crc32Combine, deflatePiece, gzipStream } from "../../src/metrics/gzip-stream.js";
import { checkServedBodies, family, metricsAfterCollection } from "../helpers/exposition-check.js";

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

describe("the exporter's gzip bodies, read by the strict parsers", () => {
  it("decompress to the plain body, in both formats, even when made of many pieces", async () => {
    const samples: Sample[] = Array.from({ length: 5000 }, (_, i) => ({
      labels: { workload: `Ünïcode "${i}" \\ line\nbreak`, service: "o365", channel: "reseller" },
      value: i / 7,
    }));
    const metrics = await metricsAfterCollection(partnerUsageCollector, {
      series: new Map(partnerUsageCollector.families.map((f) => [f.name, samples])),
      received: samples.length,
      skipped: [],
    });
    // Rendered in chunks of 2000 samples, each compressed apart: a gzip stream of many pieces,
    // written as they are kept.
    const writes: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        writes.push(chunk);
        done();
      },
    });
    await (await metrics.body(true, false)).writeTo(out);
    expect(writes.length).toBeGreaterThan(5);
    const { text, openMetrics } = await checkServedBodies(metrics);
    expect(openMetrics).toEqual(text);
    for (const { name } of partnerUsageCollector.families) {
      const parsed = family(text, name).samples;
      expect(parsed.map((s) => s.labels.workload)).toEqual(samples.map((s) => s.labels.workload));
      expect(parsed.map((s) => s.value)).toEqual(samples.map((s) => s.value));
    }
  });
});

describe("a large collector segment, kept compressed only", () => {
  it("serves plain text inflated from its pieces, the same bytes as the gzip body holds", async () => {
    const samples: Sample[] = Array.from({ length: 40_000 }, (_, i) => ({
      labels: {
        workload: `Workload number ${i} with a long enough name`,
        service: "o365",
        channel: "reseller",
      },
      value: i,
    }));
    const metrics = await metricsAfterCollection(partnerUsageCollector, {
      series: new Map(partnerUsageCollector.families.map((f) => [f.name, samples])),
      received: samples.length,
      skipped: [],
    });
    const { text } = await checkServedBodies(metrics);
    expect(family(text, "partner_license_usage_percent").samples).toHaveLength(samples.length);
    // Written as a scrape writes it: piece by piece, inflated on the way, the same bytes.
    const body = await metrics.body(false, false);
    const writes: Buffer[] = [];
    await body.writeTo(
      new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _encoding, done) {
          writes.push(chunk);
          setImmediate(done);
        },
      }),
    );
    expect(writes.length).toBeGreaterThan(1);
    expect(Buffer.concat(writes).equals(await body.bytes())).toBe(true);
  });
});
