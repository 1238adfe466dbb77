import type { PageSource } from "../partner-center/paging.js";

/** A gauge a collector publishes: declared once, filled on every successful poll. */
export interface GaugeFamily {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Skip {
  readonly reason: string;
  readonly detail: string;
}

/** What one successful poll of a collector produced. */
export interface Collection {
  /** Samples by family name; every family of the collector is present. */
  readonly series: ReadonlyMap<string, readonly Sample[]>;
  readonly received: number;
  readonly skipped: readonly Skip[];
}

/** Settings that shape what the collectors ask for. */
export interface CollectorOptions {
  /** CUSTOMER_GROUP_BY: the API's groupby fields; undefined for each collector's default. */
  readonly customerGroupBy: readonly string[] | undefined;
  /** CUSTOMER_FILTER: the API's filter expression, passed through. */
  readonly customerFilter: string | undefined;
  /** CUSTOMER_MAX_SERIES: over it a customer collector's poll fails. */
  readonly customerMaxSeries: number;
  /** PARTNER_MAX_SERIES: over it a partner-level collector's poll fails. */
  readonly partnerMaxSeries: number;
  /** CUSTOMER_PAGE_SIZE: rows per page (`top`), at most 10000. */
  readonly customerPageSize: number;
}

export interface CollectContext {
  readonly client: PageSource;
  readonly correlationId: string;
  readonly signal: AbortSignal;
  readonly options: CollectorOptions;
}

/** One Partner Center endpoint turned into gauges: one module, one job. */
export interface Collector {
  readonly name: string;
  /** Whether it runs unless configured otherwise (only the seed's endpoint does). */
  readonly defaultEnabled: boolean;
  /** One line for --help and the README. */
  readonly description: string;
  readonly families: readonly GaugeFamily[];
  /** Every reason its items can be skipped for (counters start at 0 for each). */
  readonly skipReasons: readonly string[];
  collect(context: CollectContext): Promise<Collection>;
}
