import type { PartnerCenterClient } from "../partner-center/client.js";

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

export interface CollectContext {
  readonly client: Pick<PartnerCenterClient, "getJson">;
  readonly correlationId: string;
  readonly signal: AbortSignal;
}

/** One Partner Center endpoint turned into gauges: one module, one job. */
export interface Collector {
  readonly name: string;
  readonly families: readonly GaugeFamily[];
  /** Every reason its items can be skipped for (counters start at 0 for each). */
  readonly skipReasons: readonly string[];
  collect(context: CollectContext): Promise<Collection>;
}
