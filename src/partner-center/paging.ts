import * as v from "valibot";
import { checkBoundary } from "../boundaries/check-boundary.js";
import { ExporterError } from "../errors/exporter-error.js";
import type { JsonBody, PartnerCenterClient, RequestContext } from "./client.js";
import { InvalidResponseError } from "./errors.js";
import { arrayElements, objectMembers, parseElements, parseSpan, type Span } from "./json-spans.js";

/** The commercial endpoints' maximum (and default) page size. */
export const MAX_PAGE_SIZE = 10_000;
/** However the links chain, a poll stops after this many pages. */
const HARD_PAGE_LIMIT = 1_000;
/** Rows parsed and handed on between two turns of the event loop: a few milliseconds' work. */
const ROWS_PER_SLICE = 1_000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What paging needs of the client; a client that can hand over a body unparsed pages in slices. */
export type PageSource = Pick<PartnerCenterClient, "getJson" | "baseUrl"> &
  Partial<Pick<PartnerCenterClient, "getJsonBody">>;

/** More rows than CUSTOMER_MAX_SERIES: the poll fails rather than truncating silently. */
export class TooManySeriesError extends ExporterError {
  readonly reason = "too_many_series";
  constructor(rows: number, limit: number) {
    super(
      `Partner Center reports ${rows} rows, over CUSTOMER_MAX_SERIES=${limit}: narrow them with CUSTOMER_FILTER or a coarser CUSTOMER_GROUP_BY, or raise CUSTOMER_MAX_SERIES`,
    );
    this.name = "TooManySeriesError";
  }
}

export interface PagedQuery {
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly maxRows: number;
  readonly pageSize?: number;
}

interface Page {
  readonly rowCount: number;
  /** Rows `from` to `to` (exclusive), parsed. */
  rows(from: number, to: number): readonly unknown[];
  readonly nextLink: string | undefined;
  readonly totalCount: number | undefined;
}

const page = v.looseObject({
  Value: v.array(v.unknown()),
  "@nextLink": v.nullish(v.string()),
  // A count that is not a number is ignored: the links still page.
  TotalCount: v.unknown(),
});

/** The commercial body: `{"Value": [...], "@nextLink": ..., "TotalCount": N}` (casing varies in the docs). */
function parsePage(body: unknown): Page {
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const read = checkBoundary(
    page,
    // The docs also spell them value, nextLink and totalCount.
    Array.isArray(body) || typeof body !== "object" || body === null
      ? body
      : {
          Value: record.Value ?? record.value,
          "@nextLink": record["@nextLink"] ?? record.nextLink,
          TotalCount: record.TotalCount ?? record.totalCount,
        },
    { where: "", fail: (problem) => new InvalidResponseError(problem) },
  );
  const link = read["@nextLink"];
  const total = read.TotalCount;
  return {
    rowCount: read.Value.length,
    rows: (from, to) => read.Value.slice(from, to),
    nextLink: typeof link === "string" && link !== "" ? link : undefined,
    totalCount: typeof total === "number" && Number.isFinite(total) ? total : undefined,
  };
}

/**
 * The page with its rows left unparsed until asked for, a slice at a time (json-spans.ts); the
 * other members parsed and checked as parsePage does. A body of another shape is parsed whole.
 */
function readPage(body: JsonBody): Page {
  const { bytes } = body;
  const members = objectMembers(bytes);
  const isNull = (span: Span | undefined) => span !== undefined && bytes[span.start] === 0x6e;
  const rowsSpan =
    members?.get("Value") !== undefined && !isNull(members.get("Value"))
      ? members.get("Value")
      : members?.get("value");
  const elements = rowsSpan === undefined ? undefined : arrayElements(bytes, rowsSpan);
  if (members === undefined || elements === undefined) return parsePage(body.parse());
  const others: Record<string, unknown> = {};
  try {
    for (const [name, span] of members)
      if (span !== rowsSpan) others[name] = parseSpan(bytes, span);
  } catch {
    throw body.notJson();
  }
  const meta = parsePage({ ...others, Value: [] });
  return {
    ...meta,
    rowCount: elements.length,
    rows: (from, to) => {
      try {
        return parseElements(bytes, elements, from, Math.min(to, elements.length));
      } catch {
        throw body.notJson();
      }
    },
  };
}

/**
 * Turns a next link into a path under the API base URL. A link to another host (or outside the
 * base URL) is refused: the access token goes only to Partner Center.
 */
export function nextLinkPath(baseUrl: string, link: string): string {
  const base = new URL(`${baseUrl}/`);
  const target = new URL(link, base);
  if (target.origin !== base.origin) {
    throw new InvalidResponseError(
      `next link points to another host (${target.host}); not following it with the access token`,
    );
  }
  const basePath = base.pathname.replace(/\/$/, "");
  const path = `${target.pathname}${target.search}`;
  // A relative link may or may not repeat the base URL's own path.
  return basePath !== "" && path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path;
}

/**
 * Reads every page of a commercial analytics query: `top`/`skip`, following `@nextLink` when
 * present, all pages under one correlation id, bounded in pages and rows. Each page's rows go to
 * `onRows` as they arrive, parsed a slice at a time with the event loop free in between (so a
 * large read never blocks long); any failed page fails the whole read, and the caller keeps
 * nothing of it.
 */
export async function fetchAllPages(
  client: PageSource,
  query: PagedQuery,
  context: RequestContext,
  onRows: (rows: readonly unknown[]) => void,
): Promise<number> {
  const pageSize = Math.min(query.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const first = new URLSearchParams({ top: String(pageSize), skip: "0", ...query.params });
  let path = `${query.path}?${first.toString()}`;
  let skip = 0;
  const visited = new Set<string>();
  const maxPages = Math.min(HARD_PAGE_LIMIT, Math.ceil(query.maxRows / pageSize) + 2);
  for (let pages = 1; ; pages++) {
    visited.add(path);
    const page =
      client.getJsonBody === undefined
        ? parsePage(await client.getJson(path, context))
        : readPage(await client.getJsonBody(path, context));
    if (page.totalCount !== undefined && page.totalCount > query.maxRows) {
      throw new TooManySeriesError(page.totalCount, query.maxRows);
    }
    skip += page.rowCount;
    if (skip > query.maxRows) throw new TooManySeriesError(skip, query.maxRows);
    for (let from = 0; from < page.rowCount; from += ROWS_PER_SLICE) {
      onRows(page.rows(from, from + ROWS_PER_SLICE));
      await nextTurn();
    }
    let next: string | undefined;
    if (page.nextLink !== undefined) {
      next = nextLinkPath(client.baseUrl, page.nextLink);
    } else if (page.totalCount !== undefined && skip < page.totalCount && page.rowCount > 0) {
      // No link, but the count says there is more: page on with skip.
      const params = new URLSearchParams({
        ...query.params,
        top: String(pageSize),
        skip: String(skip),
      });
      next = `${query.path}?${params.toString()}`;
    }
    if (next === undefined) return skip;
    if (visited.has(next))
      throw new InvalidResponseError(`next link repeats an earlier page (${next})`);
    if (pages >= maxPages) throw new InvalidResponseError(`more than ${maxPages} pages; stopping`);
    path = next;
  }
}
