import { ExporterError } from "../errors/exporter-error.js";

/** A collector's cap on the rows of one poll, and what an operator changes to meet it. */
export interface RowCap {
  readonly max: number;
  /** The setting that sets the cap, e.g. CUSTOMER_MAX_SERIES. */
  readonly setting: string;
  /** The other ways to fewer rows, if the endpoint has any ("narrow them with ..."). */
  readonly narrow?: string;
}

/** More rows than a collector's cap: its poll fails rather than truncating silently. */
export class TooManySeriesError extends ExporterError {
  readonly reason = "too_many_series";
  constructor(rows: number, cap: RowCap) {
    const raise = `raise ${cap.setting}`;
    super(
      `Partner Center reports ${rows} rows, over ${cap.setting}=${cap.max}: ${cap.narrow === undefined ? raise : `${cap.narrow}, or ${raise}`}`,
    );
    this.name = "TooManySeriesError";
  }
}

/**
 * The one rule: a count of rows over the cap fails the read. The count a body announces is checked
 * before its rows are scanned, the rows themselves once counted; one that is not a finite number is
 * no count (the rows still are).
 */
export function enforceCap(rows: unknown, cap: RowCap): void {
  if (typeof rows === "number" && Number.isFinite(rows) && rows > cap.max) {
    throw new TooManySeriesError(rows, cap);
  }
}
