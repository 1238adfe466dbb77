import type { Row, SkippedRow } from "../partner-center/rows.js";
import type { Collection, Sample, Skip } from "./collector.js";

/** One row per label set: the one with the newest processedDateTime wins; the others are dropped. */
export function selectNewest<L extends string, V extends string>(
  rows: readonly Row<L, V>[],
): { kept: Row<L, V>[]; dropped: Row<L, V>[] } {
  const byKey = new Map<string, Row<L, V>>();
  const dropped: Row<L, V>[] = [];
  for (const row of rows) {
    const key = JSON.stringify(Object.values(row.labels));
    const seen = byKey.get(key);
    if (seen === undefined || row.processedAt > seen.processedAt) {
      byKey.set(key, row);
      if (seen !== undefined) dropped.push(seen);
    } else {
      dropped.push(row);
    }
  }
  return { kept: [...byKey.values()], dropped };
}

/** An empty label is an absent one in Prometheus: leave it out of the exposition. */
function presentLabels(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  let allPresent = true;
  for (const value of Object.values(labels)) if (value === "") allPresent = false;
  if (allPresent) return labels;
  return Object.fromEntries(Object.entries(labels).filter(([, value]) => value !== ""));
}

function describeLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(" ");
}

/**
 * Turns parsed rows into a collection: newest row per label set, one sample per (family, row).
 * `families` maps family name -> the row value it exports (or `processedAt`, in Unix seconds).
 */
export function rowsToCollection<L extends string, V extends string>(
  parsed: { rows: readonly Row<L, V>[]; skipped: readonly SkippedRow[] },
  families: Readonly<Record<string, V | "processedAt">>,
): Collection {
  const { kept, dropped } = selectNewest(parsed.rows);
  const series = new Map<string, Sample[]>();
  for (const [family, source] of Object.entries(families) as [string, V | "processedAt"][]) {
    series.set(
      family,
      kept.map((row) => ({
        labels: presentLabels(row.labels),
        value: source === "processedAt" ? row.processedAt / 1000 : (row.values[source] as number),
      })),
    );
  }
  const skipped: Skip[] = [
    ...parsed.skipped,
    ...dropped.map((row) => ({
      reason: "duplicate",
      detail: `an older row for ${describeLabels(row.labels)} (the newest processedDateTime won)`,
    })),
  ];
  return { series, received: parsed.rows.length + parsed.skipped.length, skipped };
}
