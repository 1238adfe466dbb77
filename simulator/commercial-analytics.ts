import type { CustomerProductRow } from "./customer-data.js";

/** What the commercial endpoints group by and filter on, per endpoint. */
export const USAGE_FIELDS = [
  "workloadCode",
  "workloadName",
  "serviceCode",
  "serviceName",
  "channel",
  "customerTenantId",
  "customerName",
  "productId",
  "productName",
] as const;
type Field = (typeof USAGE_FIELDS)[number];
/** Deployment has no workload dimension. */
export const DEPLOYMENT_FIELDS: readonly Field[] = USAGE_FIELDS.filter(
  (f) => !f.startsWith("workload"),
);

export type AnalyticsKind = "usage" | "deployment";
export type AnalyticsRow = Record<string, string | number>;

export class AnalyticsQueryError extends Error {}

const MEASURES: Readonly<Record<AnalyticsKind, readonly (keyof CustomerProductRow)[]>> = {
  usage: ["licensesActive", "licensesQualified"],
  deployment: ["licensesDeployed", "licensesSold"],
};

function fieldsOf(kind: AnalyticsKind): readonly Field[] {
  return kind === "usage" ? USAGE_FIELDS : DEPLOYMENT_FIELDS;
}

/**
 * The API's `filter`: `field eq 'value'` and `field ne 'value'` joined by `and` / `or` (`and`
 * binds tighter). Anything else is a 400, as the API answers.
 */
export function parseFilter(
  kind: AnalyticsKind,
  expression: string,
): (row: CustomerProductRow) => boolean {
  const fields = fieldsOf(kind);
  const disjuncts = expression.split(/\s+or\s+/i).map((part) =>
    part.split(/\s+and\s+/i).map((term) => {
      const match = /^\s*(\w+)\s+(eq|ne)\s+'((?:[^']|'')*)'\s*$/i.exec(term);
      if (match === null)
        throw new AnalyticsQueryError(`Invalid filter expression near "${term.trim()}"`);
      const [, field = "", op = "", raw = ""] = match;
      if (!(fields as readonly string[]).includes(field)) {
        throw new AnalyticsQueryError(`Invalid filter field "${field}"`);
      }
      const value = raw.replaceAll("''", "'");
      const negate = op.toLowerCase() === "ne";
      return (row: CustomerProductRow) => (String(row[field as Field]) === value) !== negate;
    }),
  );
  return (row) => disjuncts.some((terms) => terms.every((test) => test(row)));
}

export function parseGroupBy(kind: AnalyticsKind, text: string | undefined): readonly Field[] {
  const fields = fieldsOf(kind);
  if (text === undefined || text.trim() === "") return fields;
  return text.split(",").map((name) => {
    const field = name.trim();
    if (!(fields as readonly string[]).includes(field)) {
      throw new AnalyticsQueryError(`Invalid groupby field "${field}"`);
    }
    return field as Field;
  });
}

/** Sums the measures of the rows that agree on the grouped fields; other fields are left out. */
export function aggregate(
  kind: AnalyticsKind,
  rows: readonly CustomerProductRow[],
  groupBy: readonly Field[],
  processedDateTime: string,
): AnalyticsRow[] {
  const measures = MEASURES[kind];
  const groups = new Map<string, AnalyticsRow>();
  // Deployment has no workload dimension: count each customer's product once, not per workload.
  const seen = new Set<string>();
  for (const row of rows) {
    if (kind === "deployment") {
      const product = `${row.customerTenantId}/${row.productId}`;
      if (seen.has(product)) continue;
      seen.add(product);
    }
    const key = groupBy.map((f) => row[f]).join("\u0000");
    let out = groups.get(key);
    if (out === undefined) {
      out = {};
      for (const field of groupBy) out[field] = row[field];
      for (const measure of measures) out[measure] = 0;
      out.processedDateTime = processedDateTime;
      groups.set(key, out);
    }
    for (const measure of measures)
      out[measure] = (out[measure] as number) + (row[measure] as number);
  }
  return [...groups.values()];
}
