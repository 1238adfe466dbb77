import { describe } from "../boundaries/check-boundary.js";
import { parseApiDateTime } from "./datetime.js";

/** How to read one kind of analytics row: label name -> field, value name -> field (and aliases). */
export interface RowSchema<L extends string, V extends string> {
  readonly labels: Readonly<Record<L, string>>;
  /** Labels a row is useless without (skipped as `missing_<label>` when absent or empty). */
  readonly required: readonly L[];
  /** Value name -> the field, then aliases the API's examples use (e.g. licenseActive). */
  readonly values: Readonly<Record<V, readonly string[]>>;
}

/** One analytics row, checked and typed. */
export interface Row<L extends string, V extends string> {
  readonly labels: Readonly<Record<L, string>>;
  /** As received (finite, not negative): never clamped or rescaled. */
  readonly values: Readonly<Record<V, number>>;
  /** processedDateTime, epoch milliseconds. */
  readonly processedAt: number;
}

export interface SkippedRow {
  readonly reason: string;
  /** Where and why, e.g. `items[3].proratedLicensesUsagePercent is "12"`. */
  readonly detail: string;
}

export interface ParsedRows<L extends string, V extends string> {
  readonly rows: readonly Row<L, V>[];
  readonly skipped: readonly SkippedRow[];
}

/** Reads rows of one kind: the schema, and the skip reasons it can give (counters start at 0). */
export interface RowReader<L extends string, V extends string> {
  readonly skipReasons: readonly string[];
  /** `where` names the array (`items`, `Value`); `offset` is the first row's index in the read. */
  parse(raw: readonly unknown[], where: string, offset?: number): ParsedRows<L, V>;
}

/**
 * Reads analytics rows of one kind, checked against its RowSchema by one set of rules: a row
 * becomes labels, values and a date, or is skipped with the reason of its first problem, in this
 * order: not an object, a label of the wrong type, a required label missing or empty, a value
 * that is not a finite number of at least 0 (every value is a percent, which can exceed 100, or
 * a count of licences), processedDateTime unreadable. The rest of the rows still count. A field
 * the grouping aggregated away is an empty label.
 */
export function rowReader<L extends string, V extends string>(
  schema: RowSchema<L, V>,
): RowReader<L, V> {
  const labels = Object.entries(schema.labels) as [L, string][];
  const required = new Set<string>(schema.required);
  const values = Object.entries(schema.values) as [V, readonly string[]][];
  const dates = new DateCache();
  const skipReasons = [
    "not_an_object",
    ...schema.required.map((l) => `missing_${l}`),
    "invalid_labels",
    "invalid_value",
    "invalid_date",
  ];

  /** The row, or why it is skipped: the reason and the field (undefined: the row itself). */
  const read = (item: unknown): Row<L, V> | Problem => {
    if (typeof item !== "object" || item === null) {
      return { reason: "not_an_object", field: undefined, value: item };
    }
    const record = item as Record<string, unknown>;
    const rowLabels = {} as Record<L, string>;
    let missing: Problem | undefined;
    for (const [name, field] of labels) {
      const value = record[field];
      if (typeof value === "string" && (value !== "" || !required.has(name))) {
        rowLabels[name] = wellFormed(value);
      } else if (value === undefined || value === null || value === "") {
        if (required.has(name)) missing ??= { reason: `missing_${name}`, field, value };
        rowLabels[name] = "";
      } else return { reason: "invalid_labels", field, value };
    }
    if (missing !== undefined) return missing;
    const rowValues = {} as Record<V, number>;
    for (const [name, [field = "", ...aliases]] of values) {
      let value = record[field];
      for (const alias of aliases) if (value === undefined) value = record[alias];
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        return { reason: "invalid_value", field, value };
      }
      rowValues[name] = value;
    }
    const processedAt = dates.parse(record.processedDateTime);
    if (processedAt === undefined) {
      return {
        reason: "invalid_date",
        field: "processedDateTime",
        value: record.processedDateTime,
      };
    }
    return { labels: rowLabels, values: rowValues, processedAt };
  };

  return {
    skipReasons,
    parse(raw, where, offset = 0) {
      const rows: Row<L, V>[] = [];
      const skipped: SkippedRow[] = [];
      for (let index = 0; index < raw.length; index++) {
        const row = read(raw[index]);
        if (!("reason" in row)) {
          rows.push(row);
          continue;
        }
        const at = `${where}[${offset + index}]`;
        const path = row.field === undefined ? at : `${at}.${row.field}`;
        skipped.push({ reason: row.reason, detail: `${path} is ${describe(row.value)}` });
      }
      return { rows, skipped };
    },
  };
}

/** Why a row is skipped, and the field (with its value) that says so. */
interface Problem {
  readonly reason: string;
  readonly field: string | undefined;
  readonly value: unknown;
}

/**
 * A label value as the exposition will print it: UTF-8 has no lone surrogates, and writing one
 * gives U+FFFD. Done here, so that rows which print alike are one label set, not two series that
 * print the same.
 */
function wellFormed(value: string): string {
  return value.isWellFormed() ? value : value.toWellFormed();
}

/** processedDateTime strings repeat across rows (one per day): each distinct one is parsed once. */
class DateCache {
  readonly #parsed = new Map<string, number | undefined>();

  parse(value: unknown): number | undefined {
    if (typeof value !== "string") return undefined;
    if (this.#parsed.has(value)) return this.#parsed.get(value);
    if (this.#parsed.size >= 1_000) this.#parsed.clear();
    const ms = parseApiDateTime(value);
    this.#parsed.set(value, ms);
    return ms;
  }
}
