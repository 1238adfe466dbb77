import { ExporterError } from "../errors/exporter-error.js";
import type { RowLimit } from "../partner-center/row-limit.js";

/** A collector's cap on the rows of one poll, and what an operator changes to meet it. */
export interface RowCap {
  readonly max: number;
  /** The setting that sets the cap, e.g. CUSTOMER_MAX_SERIES. */
  readonly setting: string;
  /** The other ways to fewer rows, where the endpoint offers them ("narrow them with ..."). */
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

/** The cap as the reads of partner-center/ take it: more rows fail with TooManySeriesError. */
export function rowLimit(cap: RowCap): RowLimit {
  return { max: cap.max, refuse: (rows) => new TooManySeriesError(rows, cap) };
}
