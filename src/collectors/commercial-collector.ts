import { fetchAllPages } from "../partner-center/paging.js";
import { type RowSchema, rowReader } from "../partner-center/rows.js";
import type { CollectContext, Collection, GaugeFamily, PollCollector } from "./collector.js";
import { RowSet, rowsToCollection } from "./rows-collection.js";

/** The labels every commercial row has: the customer, the product, the service and the channel. */
export const CUSTOMER_PRODUCT_LABELS = {
  customer_id: "customerTenantId",
  customer: "customerName",
  product_id: "productId",
  product: "productName",
  service: "serviceName",
  service_code: "serviceCode",
  channel: "channel",
} as const;

export interface CommercialCollectorSpec<L extends string, V extends string> {
  readonly name: string;
  readonly description: string;
  readonly path: string;
  readonly schema: RowSchema<L, V>;
  /** The API fields it may group by (the endpoint's dimensions). */
  readonly groupableFields: readonly string[];
  /** Its default groupby: per customer, workload, service and channel, products aggregated. */
  readonly defaultGroupBy: readonly string[];
  /** Family -> the row value it exports. */
  readonly families: readonly (readonly [GaugeFamily, V])[];
}

/**
 * A collector over one of the commercial analytics endpoints (per customer and product, paged):
 * groupby and filter passed through, every page read, all or nothing.
 */
export function commercialCollector<L extends string, V extends string>(
  spec: CommercialCollectorSpec<L, V>,
): PollCollector {
  const reader = rowReader(spec.schema);
  return {
    name: spec.name,
    defaultEnabled: false,
    description: spec.description,
    families: spec.families.map(([family]) => family),
    skipReasons: [...reader.skipReasons, "duplicate"],
    async collect({ client, correlationId, signal, options }: CollectContext): Promise<Collection> {
      // CUSTOMER_GROUP_BY is shared: fields this endpoint does not have (workloads, for
      // deployment) are left out rather than sent.
      const groupBy = (options.customerGroupBy ?? spec.defaultGroupBy).filter((f) =>
        spec.groupableFields.includes(f),
      );
      const params: Record<string, string> = { groupby: groupBy.join(",") };
      if (options.customerFilter !== undefined) params.filter = options.customerFilter;
      // Each page is parsed as it arrives, between requests: a 100k-row read never blocks long.
      const rows = new RowSet<L, V>();
      let offset = 0;
      await fetchAllPages(
        client,
        {
          path: spec.path,
          params,
          cap: {
            max: options.customerMaxSeries,
            setting: "CUSTOMER_MAX_SERIES",
            narrow: "narrow them with CUSTOMER_FILTER or a coarser CUSTOMER_GROUP_BY",
          },
          pageSize: options.customerPageSize,
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
