/** How many rows the caller takes from one read, and its error for more. */
export interface RowLimit {
  readonly max: number;
  /** The error a read over the limit fails with (the caller's words for it). */
  refuse(rows: number): Error;
}

/**
 * The one rule: a count of rows over the limit fails the read. The count a body announces is
 * checked before its rows are scanned, the rows themselves once counted; one that is not a finite
 * number is no count (the rows still are).
 */
export function enforceLimit(rows: unknown, limit: RowLimit): void {
  if (typeof rows === "number" && Number.isFinite(rows) && rows > limit.max) {
    throw limit.refuse(rows);
  }
}
