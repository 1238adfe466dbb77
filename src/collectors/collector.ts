import type { Config } from "../config/load-config.js";
import type { FailureReason } from "../errors/exporter-error.js";
import type { PageSource } from "../partner-center/paging.js";

/** A gauge a collector publishes: declared once, filled on every successful poll. */
export interface GaugeFamily {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** A family as a row collector declares it: its label names come from its schema's labels. */
export type FamilyText = Omit<GaugeFamily, "labelNames">;

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
/** The collectors' settings, as the configuration holds them (CUSTOMER_*, PARTNER_*, SUBSCRIPTIONS_*). */
export type CollectorOptions = Pick<Config, "customer" | "partner" | "subscriptions">;

export interface CollectContext {
  readonly client: PageSource;
  readonly correlationId: string;
  readonly signal: AbortSignal;
  readonly options: CollectorOptions;
}

interface CollectorInfo {
  readonly name: string;
  /** Whether it runs unless configured otherwise (only partner-usage does). */
  readonly defaultEnabled: boolean;
  /** One line for --help and the README. */
  readonly description: string;
  readonly families: readonly GaugeFamily[];
  /** Every reason its items can be skipped for (counters start at 0 for each). */
  readonly skipReasons: readonly string[];
}

/** One Partner Center endpoint turned into gauges, polled all or nothing: one module, one job. */
export interface PollCollector extends CollectorInfo {
  readonly mode?: "poll";
  collect(context: CollectContext): Promise<Collection>;
}

/** Where a crawl reports as it goes: each part's series replace that part's, when they come. */
export interface CrawlProgress {
  /** The parts (customers) this crawl will visit: all pending. */
  listed(parts: number): void;
  /** A part's answer: its series replace the ones it had, all at once. */
  part(key: string, collection: Collection): void;
  /** A part that failed: it keeps its last good series. */
  failed(key: string, reason: FailureReason, error: string): void;
  /** The requests a minute the crawl allows itself now (lower after a 429). */
  pace(requestsPerMinute: number): void;
}

export interface CrawlContext extends CollectContext {
  readonly progress: CrawlProgress;
}

/** What a whole crawl came to: the parts still there (the others' series go at its end). */
export interface CrawlResult {
  readonly keep: ReadonlySet<string>;
  readonly received: number;
  readonly skipped: readonly Skip[];
  /** Parts that failed in this crawl. */
  readonly failed: number;
}

/**
 * A collector too large to poll all or nothing: a crawl, part by part (customer by customer),
 * each part's series published as its answer comes; a failed part keeps its last good series.
 */
export interface CrawlCollector extends CollectorInfo {
  readonly mode: "crawl";
  crawl(context: CrawlContext): Promise<CrawlResult>;
}

export type Collector = PollCollector | CrawlCollector;

export function isCrawlCollector(collector: Collector): collector is CrawlCollector {
  return collector.mode === "crawl";
}
