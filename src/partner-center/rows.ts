import * as v from "valibot";
import { describe, type Issue, issuePath } from "../boundaries/check-boundary.js";
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

const label = v.nullish(v.string());
const requiredLabel = v.pipe(v.string(), v.nonEmpty());
// Every value is a percent (that can exceed 100) or a count of licences: never below 0.
const measure = v.pipe(v.number(), v.finite(), v.minValue(0));
const dateTime = v.custom<string>((value) => parseApiDateTime(value) !== undefined);

/** Which problem names a row's skip reason when it has several: the label loop came first. */
const PRIORITY = ["not_an_object", "invalid_labels", "missing", "invalid_value", "invalid_date"];

/** Why an issue at a field skips its row: the reason, from what the schema says of the field. */
type ReasonOf = (issue: Issue) => string;

/**
 * The boundary for analytics rows, built from a RowSchema: a valibot object schema per row, and
 * each field's skip reason beside it. A row becomes labels, values and a date, or is skipped with
 * the reason of its first problem (wrong-typed labels first, then missing ones, values, the date);
 * the rest still count. A field the grouping aggregated away is an empty label.
 */
export function rowReader<L extends string, V extends string>(
  schema: RowSchema<L, V>,
): RowReader<L, V> {
  const entries: Record<string, v.GenericSchema> = {};
  const reasons = new Map<string, ReasonOf>();
  for (const [name, field] of Object.entries(schema.labels) as [L, string][]) {
    const required = schema.required.includes(name);
    entries[field] = required ? requiredLabel : label;
    reasons.set(field, (issue) =>
      required && (issue.input === undefined || issue.input === null || issue.input === "")
        ? `missing_${name}`
        : "invalid_labels",
    );
  }
  const aliases = Object.values<readonly string[]>(schema.values).filter((f) => f.length > 1);
  for (const [primary = ""] of Object.values<readonly string[]>(schema.values)) {
    entries[primary] = measure;
    reasons.set(primary, () => "invalid_value");
  }
  entries.processedDateTime = dateTime;
  reasons.set("processedDateTime", () => "invalid_date");
  const rowSchema = v.looseObject(entries);
  const skipReasons = [
    "not_an_object",
    ...schema.required.map((l) => `missing_${l}`),
    "invalid_labels",
    "invalid_value",
    "invalid_date",
  ];
  const rank = (reason: string) =>
    PRIORITY.indexOf(reason.startsWith("missing_") ? "missing" : reason);
  const reasonOf = (issue: Issue): string => {
    const field = issue.path?.[0]?.key;
    return field === undefined
      ? "not_an_object"
      : (reasons.get(String(field))?.(issue) ?? "invalid_labels");
  };

  const readRow = fastReader(schema);
  return {
    skipReasons,
    parse(raw, where, offset = 0) {
      const rows: Row<L, V>[] = [];
      const skipped: SkippedRow[] = [];
      for (let index = 0; index < raw.length; index++) {
        const item: unknown = raw[index];
        // Most rows are fine: read them directly; valibot explains the rest.
        const row = readRow(item);
        if (row !== undefined) {
          rows.push(row);
          continue;
        }
        const result = v.safeParse(rowSchema, withPrimaryNames(item, aliases));
        if (result.success) {
          rows.push(toRow(result.output, schema));
          continue;
        }
        const at = `${where}[${offset + index}]`;
        const issue = firstByReason(result.issues, reasonOf, rank);
        skipped.push({
          reason: reasonOf(issue),
          detail: `${issuePath(issue, at)} is ${describe(issue.input)}`,
        });
      }
      return { rows, skipped };
    },
  };
}

/**
 * The schema's rules as plain checks, for rows that pass every one of them: no intermediate copy
 * per row (valibot's output, the alias rename). It accepts only what the valibot schema accepts;
 * a row it does not accept goes to valibot, which accepts it or names its skip reason.
 */
function fastReader<L extends string, V extends string>(
  schema: RowSchema<L, V>,
): (item: unknown) => Row<L, V> | undefined {
  const labels = Object.entries(schema.labels) as [L, string][];
  const required = new Set<string>(schema.required);
  const values = Object.entries(schema.values) as [V, readonly string[]][];
  const dates = new DateCache();
  return (item) => {
    if (typeof item !== "object" || item === null) return undefined;
    const record = item as Record<string, unknown>;
    const processedAt = dates.parse(record.processedDateTime);
    if (processedAt === undefined) return undefined;
    const rowLabels = {} as Record<L, string>;
    for (const [name, field] of labels) {
      const value = record[field];
      if (typeof value === "string") {
        if (value === "" && required.has(name)) return undefined;
        rowLabels[name] = wellFormed(value);
      } else if (value === undefined || value === null) {
        if (required.has(name)) return undefined;
        rowLabels[name] = "";
      } else return undefined;
    }
    const rowValues = {} as Record<V, number>;
    for (const [name, fields] of values) {
      let value: unknown;
      for (const field of fields) {
        value = record[field];
        if (value !== undefined) break;
      }
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
      rowValues[name] = value;
    }
    return { labels: rowLabels, values: rowValues, processedAt };
  };
}

/** A lone surrogate (valid in JSON, not in UTF-8; a pair is one code point to a `u` pattern). */
const LONE_SURROGATE = /\p{Surrogate}/u;
const LONE_SURROGATES = /\p{Surrogate}/gu;

/**
 * A label value as the exposition will print it: UTF-8 has no lone surrogates, and writing one
 * gives U+FFFD. Done here, so that rows which print alike are one label set, not two series that
 * print the same.
 */
function wellFormed(value: string): string {
  return LONE_SURROGATE.test(value) ? value.replace(LONE_SURROGATES, "\uFFFD") : value;
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

/** The issue that names the row's skip reason: the most important reason, then the first field. */
function firstByReason(
  issues: readonly Issue[],
  reasonOf: (issue: Issue) => string,
  rank: (reason: string) => number,
): Issue {
  let best = issues[0] as Issue;
  for (const issue of issues) if (rank(reasonOf(issue)) < rank(reasonOf(best))) best = issue;
  return best;
}

/** A row that spells a value with an alias (licenseActive) read as if it used the field's name. */
function withPrimaryNames(item: unknown, aliases: readonly (readonly string[])[]): unknown {
  if (aliases.length === 0 || typeof item !== "object" || item === null) return item;
  const record = item as Record<string, unknown>;
  let renamed: Record<string, unknown> | undefined;
  for (const [primary = "", ...others] of aliases) {
    if (record[primary] !== undefined) continue;
    const alias = others.find((f) => record[f] !== undefined);
    if (alias !== undefined) {
      renamed ??= { ...record };
      renamed[primary] = record[alias];
    }
  }
  return renamed ?? item;
}

function toRow<L extends string, V extends string>(
  record: Record<string, unknown>,
  schema: RowSchema<L, V>,
): Row<L, V> {
  const labels = {} as Record<L, string>;
  for (const [name, field] of Object.entries(schema.labels) as [L, string][]) {
    labels[name] = wellFormed((record[field] as string | null | undefined) ?? "");
  }
  const values = {} as Record<V, number>;
  for (const [name, [field = ""]] of Object.entries(schema.values) as [V, readonly string[]][]) {
    values[name] = record[field] as number;
  }
  return { labels, values, processedAt: parseApiDateTime(record.processedDateTime) as number };
}
