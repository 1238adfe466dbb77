import { fetchLegacyRows } from "../partner-center/legacy-body.js";
import { type RowSchema, rowReader } from "../partner-center/rows.js";
import type { FamilyText, PollCollector } from "./collector.js";
import { rowLimit } from "./row-cap.js";
import { RowSet, rowsToCollection } from "./rows-collection.js";

export interface LegacyCollectorSpec<L extends string, V extends string> {
  readonly name: string;
  readonly defaultEnabled: boolean;
  readonly description: string;
  readonly path: string;
  readonly schema: RowSchema<L, V>;
  /** Family -> the row value it exports (or `processedAt`, in Unix seconds); labels: the schema's. */
  readonly families: readonly (readonly [FamilyText, V | "processedAt"])[];
}

/**
 * A collector over one of the legacy partner-wide analytics endpoints: one unpaged body
 * `{totalCount, items: [...]}`, at most PARTNER_MAX_SERIES rows, parsed a slice at a time, every
 * row checked, the newest row per label set exported.
 */
export function legacyCollector<L extends string, V extends string>(
  spec: LegacyCollectorSpec<L, V>,
): PollCollector {
  const reader = rowReader(spec.schema);
  const families = Object.fromEntries(spec.families.map(([family, value]) => [family.name, value]));
  return {
    name: spec.name,
    defaultEnabled: spec.defaultEnabled,
    description: spec.description,
    families: spec.families.map(([family]) => ({
      ...family,
      labelNames: Object.keys(spec.schema.labels),
    })),
    skipReasons: [...reader.skipReasons, "duplicate"],
    async collect({ client, correlationId, signal, options }) {
      const rows = new RowSet<L, V>();
      let offset = 0;
      await fetchLegacyRows(
        client,
        {
          path: spec.path,
          cap: rowLimit({ max: options.partner.maxSeries, setting: "PARTNER_MAX_SERIES" }),
        },
        { correlationId, signal },
        (slice) => {
          rows.add(reader.parse(slice, "items", offset));
          offset += slice.length;
        },
      );
      return rowsToCollection(rows, families);
    },
  };
}
