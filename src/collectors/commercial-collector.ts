import { fetchAllPages } from "../partner-center/paging.js";
import { type RowSchema, rowReader } from "../partner-center/rows.js";
import type { CollectContext, Collection, FamilyText, PollCollector } from "./collector.js";
import { rowLimit } from "./row-cap.js";
import { RowSet, rowsToCollection } from "./rows-collection.js";

/** The customer and the product, the labels every commercial row starts with. */
export const CUSTOMER_PRODUCT_LABELS = {
  customer_id: "customerTenantId",
  customer: "customerName",
  product_id: "productId",
  product: "productName",
} as const;

/** The service and the channel, the labels every commercial row ends with. */
export const SERVICE_CHANNEL_LABELS = {
  service: "serviceName",
  service_code: "serviceCode",
  channel: "channel",
} as const;

export interface CommercialCollectorSpec<L extends string, V extends string> {
  readonly name: string;
  readonly description: string;
  readonly path: string;
  /** Label -> API field, in the order the series print them. */
  readonly schema: RowSchema<L, V>;
  /** The API fields it may group by (the endpoint's dimensions). */
  readonly groupableFields: readonly string[];
  /** Family -> the row value it exports; its labels are the schema's. */
  readonly families: readonly (readonly [FamilyText, V])[];
}

/**
 * A collector over one of the commercial analytics endpoints (per customer and product, paged):
 * groupby and filter passed through, every page read, all or nothing.
 */
export function commercialCollector<L extends string, V extends string>(
  spec: CommercialCollectorSpec<L, V>,
): PollCollector {
  const reader = rowReader(spec.schema);
  const labelNames = Object.keys(spec.schema.labels);
  return {
    name: spec.name,
    defaultEnabled: false,
    description: spec.description,
    families: spec.families.map(([family]) => ({ ...family, labelNames })),
    skipReasons: [...reader.skipReasons, "duplicate"],
    async collect({ client, correlationId, signal, options }: CollectContext): Promise<Collection> {
      // CUSTOMER_GROUP_BY is shared: fields this endpoint does not have (workloads, for
      // deployment) are left out rather than sent.
      const { groupBy, filter, maxSeries, pageSize } = options.customer;
      const fields = groupBy.filter((f) => spec.groupableFields.includes(f));
      const params: Record<string, string> = { groupby: fields.join(",") };
      if (filter !== undefined) params.filter = filter;
      // Each page is parsed as it arrives, between requests: a 100k-row read never blocks long.
      const rows = new RowSet<L, V>();
      let offset = 0;
      await fetchAllPages(
        client,
        {
          path: spec.path,
          params,
          cap: rowLimit({
            max: maxSeries,
            setting: "CUSTOMER_MAX_SERIES",
            narrow: "narrow them with CUSTOMER_FILTER or a coarser CUSTOMER_GROUP_BY",
          }),
          pageSize,
        },
        { correlationId, signal },
        (page) => {
          rows.add(reader.parse(page, "Value", offset));
          offset += page.length;
        },
      );
      return rowsToCollection(
        rows,
        Object.fromEntries(spec.families.map(([family, value]) => [family.name, value])),
      );
    },
  };
}
