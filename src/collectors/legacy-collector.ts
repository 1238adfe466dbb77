import { legacyItems, type RowSchema, rowReader } from "../partner-center/rows.js";
import type { GaugeFamily, PollCollector } from "./collector.js";
import { rowsToCollection } from "./rows-collection.js";

export interface LegacyCollectorSpec<L extends string, V extends string> {
  readonly name: string;
  readonly defaultEnabled: boolean;
  readonly description: string;
  readonly path: string;
  readonly schema: RowSchema<L, V>;
  /** Family -> the row value it exports (or `processedAt`, in Unix seconds). */
  readonly families: readonly (readonly [GaugeFamily, V | "processedAt"])[];
}

/**
 * A collector over one of the legacy partner-wide analytics endpoints: one unpaged body
 * `{totalCount, items: [...]}`, every row checked, the newest row per label set exported.
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
    families: spec.families.map(([family]) => family),
    skipReasons: [...reader.skipReasons, "duplicate"],
    async collect({ client, correlationId, signal }) {
      const body = await client.getJson(spec.path, { correlationId, signal });
      return rowsToCollection(reader.parse(legacyItems(body), "items"), families);
    },
  };
}
