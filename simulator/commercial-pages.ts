import type { Request } from "express";
import {
  type AnalyticsKind,
  AnalyticsQueryError,
  type AnalyticsRow,
  aggregate,
  parseFilter,
  parseGroupBy,
} from "./commercial-analytics.js";
import { type CustomerProductRow, customerProductRows } from "./customer-data.js";
import { processedDateTimeFor } from "./demo-data.js";
import type { Quirk } from "./quirks.js";

/** How the commercial endpoints write `@nextLink` (foreign: to another host, for tests). */
export type NextLinkStyle = "absolute" | "relative" | "none" | "foreign";

export const MAX_TOP = 10_000;

type Query = Record<string, string | undefined>;

/** The 1-based page a request asks for, from `top` and `skip` (faults can target one page). */
export function pageOf(req: Request): number {
  const query = req.query as Query;
  const top = Number(query.top ?? MAX_TOP);
  const skip = Number(query.skip ?? 0);
  return top > 0 ? Math.floor(skip / top) + 1 : 1;
}

/** The commercial usage example's spelling of licensesActive. */
function licenseActiveSpelling(row: AnalyticsRow): AnalyticsRow {
  const { licensesActive, ...rest } = row;
  return licensesActive === undefined ? row : { ...rest, licenseActive: licensesActive };
}

export interface CommercialPagesOptions {
  readonly customers: number;
  readonly nextLinks: NextLinkStyle;
  readonly quirks: ReadonlySet<Quirk>;
  readonly now: () => number;
}

/**
 * The commercial analytics endpoints' data: the customers' product rows (from a seed), grouped
 * and filtered per query (cached until the data changes) and served page by page.
 */
export class CommercialPages {
  readonly #options: CommercialPagesOptions;
  #rows: readonly CustomerProductRow[] | undefined;
  #seed: number | undefined;
  readonly #aggregated = new Map<string, AnalyticsRow[]>();

  constructor(options: CommercialPagesOptions) {
    this.#options = options;
  }

  /** Every customer's product rows, before grouping. */
  customerRows(): readonly CustomerProductRow[] {
    this.#rows ??= customerProductRows(this.#options.customers, this.#seed);
    return this.#rows;
  }

  /** New customer data (another seed), as after Partner Center's next aggregation. */
  setSeed(seed: number): void {
    this.#seed = seed;
    this.#rows = undefined;
    this.#aggregated.clear();
  }

  /** One page of a commercial endpoint: groupby and filter applied, `top`/`skip`, `@nextLink`. */
  page(kind: AnalyticsKind, req: Request, baseUrl: string): unknown {
    const q = req.query as Query;
    const top = q.top === undefined ? MAX_TOP : Number(q.top);
    const skip = q.skip === undefined ? 0 : Number(q.skip);
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP || !Number.isInteger(skip) || skip < 0) {
      throw new AnalyticsQueryError(`top must be 1 to ${MAX_TOP} and skip 0 or more`);
    }
    const rows = this.#grouped(kind, q);
    const value = rows.slice(skip, skip + top);
    const more = skip + top < rows.length;
    const nextLink = more ? this.#nextLink(new URL(req.originalUrl, baseUrl), top, skip) : null;
    return { Value: value, "@nextLink": nextLink, TotalCount: rows.length };
  }

  #grouped(kind: AnalyticsKind, q: Query): AnalyticsRow[] {
    const key = `${kind}|${q.groupby ?? ""}|${q.filter ?? ""}`;
    const cached = this.#aggregated.get(key);
    if (cached !== undefined) return cached;
    const { quirks, now } = this.#options;
    const groupBy = parseGroupBy(kind, q.groupby);
    const filter = q.filter ? parseFilter(kind, q.filter) : () => true;
    const processed = processedDateTimeFor(now());
    let rows = aggregate(
      kind,
      this.customerRows().filter(filter),
      groupBy,
      quirks.has("offsetless-datetimes") ? processed.replace("+00:00", "") : processed,
    );
    if (kind === "usage" && quirks.has("license-active-spelling")) {
      rows = rows.map(licenseActiveSpelling);
    }
    this.#aggregated.set(key, rows);
    return rows;
  }

  #nextLink(next: URL, top: number, skip: number): string | null {
    const style = this.#options.nextLinks;
    if (style === "none") return null;
    next.searchParams.set("top", String(top));
    next.searchParams.set("skip", String(skip + top));
    if (style === "relative") return `${next.pathname}${next.search}`;
    if (style === "foreign")
      return `http://partner-center.example.invalid${next.pathname}${next.search}`;
    return next.href;
  }
}
