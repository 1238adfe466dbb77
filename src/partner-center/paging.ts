import * as v from "valibot";
import { checkBoundary, describe } from "../boundaries/check-boundary.js";
import type { JsonBody, PartnerCenterClient, RequestContext } from "./client.js";
import { InvalidResponseError } from "./errors.js";
import { enforceLimit, type RowLimit } from "./row-limit.js";
import { handOver, parsedRows, type RowSlices, rowsInSlices } from "./row-slices.js";

/** The commercial endpoints' maximum (and default) page size. */
export const MAX_PAGE_SIZE = 10_000;
/** However the links chain, a poll stops after this many pages. */
const HARD_PAGE_LIMIT = 1_000;

/** What collectors need of the client: bodies parsed or handed over unparsed, and the base URL of next links. */
export type PageSource = Pick<PartnerCenterClient, "getJson" | "getJsonBody" | "baseUrl">;

export interface PagedQuery {
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly cap: RowLimit;
  readonly pageSize?: number;
}

interface Page extends RowSlices {
  readonly nextLink: string | undefined;
  readonly totalCount: number | undefined;
}

const page = v.looseObject({
  Value: v.array(v.unknown()),
  "@nextLink": v.nullish(v.string()),
  // A count that is not a number is ignored: the links still page.
  TotalCount: v.unknown(),
});

/** Each member of the commercial body, as the docs spell it, then as they also do. */
const SPELLINGS = {
  Value: ["Value", "value"],
  "@nextLink": ["@nextLink", "nextLink"],
  TotalCount: ["TotalCount", "totalCount"],
} as const;

/** The commercial body: `{"Value": [...], "@nextLink": ..., "TotalCount": N}`, checked whole. */
function parsePage(body: unknown): Page {
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const spelled = (names: readonly string[]): unknown =>
    record[names.find((n) => record[n] !== undefined && record[n] !== null) ?? ""];
  const read = checkBoundary(
    page,
    Array.isArray(body) || typeof body !== "object" || body === null
      ? body
      : {
          Value: spelled(SPELLINGS.Value),
          "@nextLink": spelled(SPELLINGS["@nextLink"]),
          TotalCount: spelled(SPELLINGS.TotalCount),
        },
    { where: "", fail: (problem) => new InvalidResponseError(problem) },
  );
  const link = read["@nextLink"];
  const total = read.TotalCount;
  return {
    ...parsedRows(read.Value),
    nextLink: typeof link === "string" && link !== "" ? link : undefined,
    totalCount: typeof total === "number" && Number.isFinite(total) ? total : undefined,
  };
}

/**
 * The page with its rows left unparsed until asked for (row-slices.ts), its count checked against
 * the cap before they are scanned; another shape parsed whole.
 */
function readPage(body: JsonBody, cap: RowLimit): Page {
  const sliced = rowsInSlices(body, SPELLINGS.Value, (others) =>
    enforceLimit(parsePage({ ...others, Value: [] }).totalCount, cap),
  );
  if (sliced === undefined) return parsePage(body.parse());
  const meta = parsePage({ ...sliced.others, Value: [] });
  return { ...meta, rowCount: sliced.rowCount, rows: sliced.rows };
}

/**
 * Turns a next link into a path under the API base URL. A link to another host (or outside the
 * base URL) is refused: the access token goes only to Partner Center.
 */
export function nextLinkPath(baseUrl: string, link: string): string {
  const base = new URL(`${baseUrl}/`);
  // A link that is no URL at all is the answer's fault, not a TypeError of ours.
  const target = URL.canParse(link, base.href) ? new URL(link, base) : undefined;
  if (target === undefined) {
    throw new InvalidResponseError(`next link is not a URL (${describe(link)})`);
  }
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
 * present, all pages under one correlation id, bounded in pages and rows (the collector's cap).
 * Each page's rows go to `onRows` as they arrive, parsed a slice at a time with the event loop
 * free in between (so a large read never blocks long); any failed page fails the whole read, and
 * the caller keeps nothing of it.
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
  const { cap } = query;
  const maxPages = Math.min(HARD_PAGE_LIMIT, Math.ceil(cap.max / pageSize) + 2);
  for (let pages = 1; ; pages++) {
    visited.add(path);
    const page = readPage(await client.getJsonBody(path, context), cap);
    enforceLimit(page.totalCount, cap);
    skip += page.rowCount;
    enforceLimit(skip, cap);
    await handOver(page, onRows);
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
