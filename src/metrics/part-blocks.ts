import type { GaugeFamily } from "../collectors/collector.js";
import { familyHeader } from "./exposition.js";
import { type DeflatedPiece, deflatePiece, inflatePieceSync } from "./gzip-stream.js";
import { KEEP_PLAIN_BELOW_BYTES, type Segment } from "./segment.js";

/** Parts per block: one family's lines of a block make one piece (about 120 KB at 4 series each). */
const PARTS_PER_BLOCK = 256;

interface Block {
  /** Each part's sample lines, one string per family, in the order the parts first came. */
  readonly parts: Map<string, readonly string[]>;
  /** One compressed piece per family; undefined once a part of the block changed. */
  pieces: readonly DeflatedPiece[] | undefined;
  /** Counts the changes, so that a join does not keep pieces of lines replaced meanwhile. */
  version: number;
}

/**
 * A crawl's parts (its customers) and their rendered lines, in blocks of PARTS_PER_BLOCK in the
 * order the parts first came. The segment is joined from every block's compressed pieces, and
 * only a block in which a part changed is compressed again: a join costs what changed since the
 * last one, not the whole crawl. The text is the same as joining every part's lines anew: each
 * family's header, then its lines from every part in order.
 */
export class PartBlocks {
  readonly #families: readonly GaugeFamily[];
  readonly #blocks: Block[] = [];
  readonly #blockOf = new Map<string, Block>();
  #headers: readonly DeflatedPiece[] | undefined;

  constructor(families: readonly GaugeFamily[]) {
    this.#families = families;
  }

  /** A part's new lines replace its old ones, in its place; a new part goes last. */
  set(key: string, lines: readonly string[]): void {
    let block = this.#blockOf.get(key);
    if (block === undefined) {
      const last = this.#blocks.at(-1);
      block = last !== undefined && last.parts.size < PARTS_PER_BLOCK ? last : this.#newBlock();
      this.#blockOf.set(key, block);
    }
    block.parts.set(key, lines);
    block.pieces = undefined;
    block.version++;
  }

  /** Drops every part not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, block] of this.#blockOf) {
      if (keep.has(key)) continue;
      block.parts.delete(key);
      block.pieces = undefined;
      block.version++;
      this.#blockOf.delete(key);
    }
    for (let i = this.#blocks.length - 1; i >= 0; i--) {
      if (this.#blocks[i]?.parts.size === 0) this.#blocks.splice(i, 1);
    }
  }

  /**
   * The segment of every part's latest lines. A block is read whole when its turn comes, so a
   * part replaced during the join shows whole, old or new; the event loop is free between blocks.
   */
  async join(): Promise<Segment> {
    this.#headers ??= await Promise.all(
      this.#families.map((family) => deflatePiece(Buffer.from(familyHeader(family), "utf8"))),
    );
    const headers = this.#headers;
    const blocks: (readonly DeflatedPiece[])[] = [];
    for (const block of [...this.#blocks])
      blocks.push(block.pieces ?? (await this.#compress(block)));
    const deflated = this.#families.flatMap((_, family) => [
      headers[family] as DeflatedPiece,
      ...blocks.map((pieces) => pieces[family] as DeflatedPiece).filter((p) => p.length > 0),
    ]);
    // Small segments keep their plain bytes too, inflated back here: at most 4 MiB. Keeping each
    // block's text instead held a large crawl's whole text until the join ended (measured: the
    // 25,000-customer join 500 ms of CPU instead of 325, bench/crawl-join.mjs).
    const plainBytes = deflated.reduce((sum, piece) => sum + piece.length, 0);
    const plain = plainBytes < KEEP_PLAIN_BELOW_BYTES ? deflated.map(inflatePieceSync) : undefined;
    return { plain, deflated };
  }

  async #compress(block: Block): Promise<readonly DeflatedPiece[]> {
    const version = block.version;
    const texts = this.#families.map((_, family) => {
      let text = "";
      for (const lines of block.parts.values()) text += lines[family] ?? "";
      return Buffer.from(text, "utf8");
    });
    const pieces = await Promise.all(texts.map(deflatePiece));
    if (block.version === version) block.pieces = pieces;
    return pieces;
  }

  #newBlock(): Block {
    const block: Block = { parts: new Map(), pieces: undefined, version: 0 };
    this.#blocks.push(block);
    return block;
  }
}
