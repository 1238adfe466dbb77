import * as v from "valibot";
import { checkBoundary } from "../boundaries/check-boundary.js";
import type { RequestContext } from "./client.js";
import { InvalidResponseError } from "./errors.js";
import type { PageSource } from "./paging.js";
import { enforceLimit, type RowLimit } from "./row-limit.js";
import { handOver, parsedRows, type RowSlices, rowsInSlices } from "./row-slices.js";

const legacyBody = v.looseObject({ items: v.array(v.unknown()) });

/** The legacy wrapper `{totalCount, items: [...]}`; anything else is rejected whole. */
function legacyItems(body: unknown): unknown[] {
  return checkBoundary(legacyBody, body, {
    where: "",
    fail: (problem) => new InvalidResponseError(problem),
  }).items;
}

/**
 * Reads one of the legacy partner-wide analytics bodies (one unpaged `{totalCount, items}`) as the
 * pages of the commercial ones are read: counted against the collector's cap (`totalCount` first,
 * then the rows themselves) before a row is parsed, then the rows handed to `onRows` a slice at a
 * time with the event loop free between.
 * Returns the number of rows.
 */
export async function fetchLegacyRows(
  client: PageSource,
  query: { readonly path: string; readonly cap: RowLimit },
  context: RequestContext,
  onRows: (rows: readonly unknown[]) => void,
): Promise<number> {
  const body = await client.getJsonBody(query.path, context);
  // The other members checked, and the count they announce, before the rows are scanned.
  const sliced = rowsInSlices(body, ["items"], (others) => {
    legacyItems({ ...others, items: [] });
    enforceLimit(others.totalCount, query.cap);
  });
  const rows: RowSlices = sliced ?? parsedRows(legacyItems(body.parse()));
  enforceLimit(rows.rowCount, query.cap);
  await handOver(rows, onRows);
  return rows.rowCount;
}
