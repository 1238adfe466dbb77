import { parseApiDateTime } from "./datetime.js";
import { InvalidResponseError } from "./errors.js";

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
  /** As received: never clamped or rescaled. */
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

/** The reasons parseRows skips a row for, given the schema's required labels. */
export function skipReasons(required: readonly string[]): string[] {
  return [
    "not_an_object",
    ...required.map((l) => `missing_${l}`),
    "invalid_labels",
    "invalid_value",
    "invalid_date",
  ];
}

export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

/** The legacy wrapper `{totalCount, items: [...]}`; anything else is rejected whole. */
export function legacyItems(body: unknown): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidResponseError(
      `body is ${Array.isArray(body) ? "an array" : describe(body)}, expected an object with "items"`,
    );
  }
  const items = (body as Record<string, unknown>).items;
  if (!Array.isArray(items)) {
    throw new InvalidResponseError(`"items" is ${describe(items)}, expected an array`);
  }
  return items;
}

/**
 * The boundary for analytics rows: each row becomes labels, values and a date, or is skipped with
 * the reason; the rest still count. A field the grouping aggregated away is an empty label.
 */
export function parseRows<L extends string, V extends string>(
  raw: readonly unknown[],
  schema: RowSchema<L, V>,
  where: string,
  /** Index of the first row within the whole read (pages after the first), for the details. */
  offset = 0,
): ParsedRows<L, V> {
  const rows: Row<L, V>[] = [];
  const skipped: SkippedRow[] = [];
  const labelEntries = Object.entries(schema.labels) as [L, string][];
  const valueEntries = Object.entries(schema.values) as [V, readonly string[]][];
  raw.forEach((item: unknown, index) => {
    const at = `${where}[${offset + index}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      skipped.push({ reason: "not_an_object", detail: `${at} is ${describe(item)}` });
      return;
    }
    const record = item as Record<string, unknown>;
    const labels = {} as Record<L, string>;
    for (const [label, field] of labelEntries) {
      const value = record[field];
      if (value === undefined || value === null) {
        labels[label] = "";
      } else if (typeof value === "string") {
        labels[label] = value;
      } else {
        skipped.push({ reason: "invalid_labels", detail: `${at}.${field} is ${describe(value)}` });
        return;
      }
    }
    for (const label of schema.required) {
      if (labels[label] === "") {
        const field = schema.labels[label];
        skipped.push({
          reason: `missing_${label}`,
          detail: `${at}.${field} is ${describe(record[field])}`,
        });
        return;
      }
    }
    const values = {} as Record<V, number>;
    for (const [name, fields] of valueEntries) {
      const field = fields.find((f) => record[f] !== undefined) ?? fields[0] ?? name;
      const value = record[field];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        skipped.push({ reason: "invalid_value", detail: `${at}.${field} is ${describe(value)}` });
        return;
      }
      values[name] = value;
    }
    const processedAt = parseApiDateTime(record.processedDateTime);
    if (processedAt === undefined) {
      skipped.push({
        reason: "invalid_date",
        detail: `${at}.processedDateTime is ${describe(record.processedDateTime)}`,
      });
      return;
    }
    rows.push({ labels, values, processedAt });
  });
  return { rows, skipped };
}
