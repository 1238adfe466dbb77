import type { JsonBody } from "./client.js";
import { arrayElements, objectMembers, parseElements, parseSpan, type Span } from "./json-spans.js";

/** Rows parsed and handed on between two turns of the event loop: a few milliseconds' work. */
const ROWS_PER_SLICE = 1_000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The rows of a body, parsed when asked for. */
export interface RowSlices {
  readonly rowCount: number;
  /** Rows `from` to `to` (exclusive), parsed. */
  rows(from: number, to: number): readonly unknown[];
}

/** Rows already parsed (a body read whole). */
export function parsedRows(rows: readonly unknown[]): RowSlices {
  return { rowCount: rows.length, rows: (from, to) => rows.slice(from, to) };
}

/**
 * A body's rows array left unparsed until asked for, a slice at a time (json-spans.ts), and the
 * other top-level members parsed. `names`: where the rows may be, the first present and not null
 * wins. `check` sees the other members before the rows are scanned: a count over the cap fails
 * there, before the scan and its memory. undefined when the body is not an object with such an
 * array: the caller parses it whole, for the same result and the same errors.
 */
export function rowsInSlices(
  body: JsonBody,
  names: readonly string[],
  check: (others: Record<string, unknown>) => void = () => undefined,
): (RowSlices & { readonly others: Record<string, unknown> }) | undefined {
  const { bytes } = body;
  const members = objectMembers(bytes);
  if (members === undefined) return undefined;
  const isNull = (span: Span | undefined) => span !== undefined && bytes[span.start] === 0x6e;
  const name = names.find((n) => members.get(n) !== undefined && !isNull(members.get(n)));
  const rowsSpan = name === undefined ? undefined : members.get(name);
  if (rowsSpan === undefined) return undefined;
  const others: Record<string, unknown> = {};
  try {
    for (const [member, span] of members)
      if (span !== rowsSpan) others[member] = parseSpan(bytes, span);
  } catch {
    throw body.notJson();
  }
  check(others);
  const elements = arrayElements(bytes, rowsSpan);
  if (elements === undefined) return undefined;
  return {
    others,
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

/** Hands the rows on a slice at a time, the event loop free in between: a large read never blocks long. */
export async function handOver(
  slices: RowSlices,
  onRows: (rows: readonly unknown[]) => void,
): Promise<void> {
  for (let from = 0; from < slices.rowCount; from += ROWS_PER_SLICE) {
    onRows(slices.rows(from, from + ROWS_PER_SLICE));
    await nextTurn();
  }
}
