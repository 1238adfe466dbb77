import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { GaugeFamily } from "../../src/collectors/collector.js";
import { familyHeader } from "../../src/metrics/exposition.js";
import { gzipStream } from "../../src/metrics/gzip-stream.js";
import { PartBlocks } from "../../src/metrics/part-blocks.js";
import type { Segment } from "../../src/metrics/segment.js";

const FAMILIES: GaugeFamily[] = [
  { name: "a_info", help: "A.", labelNames: ["customer_id"] },
  { name: "b_total", help: "B.", labelNames: ["customer_id"] },
];

/** A part's lines: one per family, the version in the value so a change shows. */
const linesOf = (key: string, version: number): string[] =>
  FAMILIES.map((f) => `${f.name}{customer_id="${key}"} ${version}\n`);

/** What a join of every part's lines, anew and in order, gives (the text before blocks). */
function joinedAnew(parts: ReadonlyMap<string, readonly string[]>): string {
  return FAMILIES.map(
    (f, i) => familyHeader(f) + [...parts.values()].map((lines) => lines[i]).join(""),
  ).join("");
}

const gzipText = (segment: Segment): string =>
  gunzipSync(Buffer.concat(gzipStream(segment.deflated))).toString("utf8");

describe("a crawl's parts in blocks", () => {
  it("joins the same text as joining every part anew, through changes, removals and returns", async () => {
    const blocks = new PartBlocks(FAMILIES);
    const reference = new Map<string, string[]>();
    const set = (key: string, version: number) => {
      const lines = linesOf(key, version);
      blocks.set(key, lines);
      reference.set(key, lines);
    };
    const check = async () => {
      const segment = await blocks.join();
      expect(gzipText(segment)).toBe(joinedAnew(reference));
      if (segment.plain !== undefined) {
        expect(Buffer.concat(segment.plain).toString("utf8")).toBe(joinedAnew(reference));
      }
    };

    // 700 parts: three blocks, the last one part full.
    for (let i = 0; i < 700; i++) set(`c${i}`, 1);
    await check();
    // Changes in place, in the first and the last block.
    set("c3", 2);
    set("c650", 2);
    await check();
    // A crawl that found only some: the rest go, a block emptied entirely goes too.
    const keep = new Set([...reference.keys()].filter((k) => Number(k.slice(1)) % 3 === 0));
    for (let i = 256; i < 512; i++) keep.delete(`c${i}`);
    blocks.retain(keep);
    for (const key of [...reference.keys()]) if (!keep.has(key)) reference.delete(key);
    await check();
    // A part that went and comes back goes last, as new parts do.
    set("c1", 3);
    set("new", 1);
    await check();
    blocks.retain(new Set());
    reference.clear();
    await check();
  });

  it("compresses again only the blocks in which a part changed", async () => {
    const blocks = new PartBlocks(FAMILIES);
    for (let i = 0; i < 1000; i++) blocks.set(`c${i}`, linesOf(`c${i}`, 1));
    const before = await blocks.join();
    blocks.set("c500", linesOf("c500", 2));
    const after = await blocks.join();
    // Two headers and four blocks for each of two families: only c500's block (one piece per
    // family) is new.
    expect(after.deflated).toHaveLength(before.deflated.length);
    const renewed = after.deflated.filter((piece, i) => piece !== before.deflated[i]);
    expect(renewed).toHaveLength(FAMILIES.length);
    expect(gzipText(after)).toContain('a_info{customer_id="c500"} 2\n');
  });

  it("keeps the plain text beside the pieces only while it is small", async () => {
    const small = new PartBlocks(FAMILIES);
    small.set("c1", linesOf("c1", 1));
    expect((await small.join()).plain).toBeDefined();
    const large = new PartBlocks(FAMILIES);
    // Two families of 20,000 lines of about 110 bytes: over the 4 MiB kept plain.
    const pad = "x".repeat(80);
    for (let i = 0; i < 20_000; i++) {
      large.set(`c${i}`, linesOf(`${pad}${i}`, 1));
    }
    expect((await large.join()).plain).toBeUndefined();
    // Small again (a crawl that found fewer): the plain text is back, pieces made large included.
    large.retain(new Set(["c0", "c19999"]));
    const shrunk = await large.join();
    expect(shrunk.plain && Buffer.concat(shrunk.plain).toString("utf8")).toBe(gzipText(shrunk));
  });
});
