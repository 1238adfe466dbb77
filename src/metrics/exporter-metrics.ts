import { Registry } from "prom-client";
import type { Collector, CrawlCollector } from "../collectors/collector.js";
import type { CrawlRecorder, CrawlSink } from "../poller/crawl-loop.js";
import type { PollOutcome, PollSink } from "../poller/poll-outcome.js";
import { ApiRecorder } from "./api-recorder.js";
import type { Body } from "./body.js";
import { CrawlSeriesRecorder } from "./crawl-recorder.js";
import { HttpRecorder } from "./http-recorder.js";
import { PollRecorder } from "./poll-recorder.js";
import { processMetricsRegistry } from "./process-metrics.js";
import { ScrapeCache } from "./scrape-cache.js";
import { segmentText } from "./segment.js";
import { createSelfMetrics, type SelfMetrics } from "./self-metrics.js";
import { TokenRecorder } from "./token-recorder.js";

export interface ExporterMetricsOptions {
  readonly collectors: readonly Collector[];
  readonly version: string;
  /** Process and Node.js runtime metrics; off in unit tests that compare whole expositions. */
  readonly processMetrics?: boolean;
}

/**
 * Owns everything a scrape shows: the collectors' series and the exporter's own metrics
 * (SELF_METRICS), written only by its recorders, one per observer: the poll sink, the API
 * observer, the token observer and the HTTP layer's observer.
 */
export class ExporterMetrics implements PollSink, CrawlSink {
  /** The exporter's own metrics (process metrics live in a registry of their own). */
  readonly registry = new Registry();
  readonly apiObserver: ApiRecorder;
  readonly tokenObserver: TokenRecorder;
  readonly httpObserver: HttpRecorder;
  readonly #polls: PollRecorder;
  readonly #collectors: readonly Collector[];
  readonly #scrape: ScrapeCache;
  readonly #metrics: SelfMetrics;

  constructor(options: ExporterMetricsOptions) {
    const { collectors, version } = options;
    const metrics = createSelfMetrics(this.registry, { collectors, version });
    this.#metrics = metrics;
    this.#collectors = collectors;
    this.#scrape = new ScrapeCache({
      collectorOrder: collectors.map((c) => c.name),
      health: this.registry,
      process: (options.processMetrics ?? true) ? processMetricsRegistry() : undefined,
    });
    this.#polls = new PollRecorder(metrics, this.#scrape);
    this.apiObserver = new ApiRecorder(metrics, this.#scrape);
    this.tokenObserver = new TokenRecorder(metrics, this.#scrape);
    this.httpObserver = new HttpRecorder(metrics, this.#scrape);
  }

  /** The collectors' families with no series yet: what a scrape shows before the first poll. */
  initialize(): Promise<void> {
    return this.#polls.initialize(this.#collectors);
  }

  /** The poller's sink (its PollRecorder). */
  onPollComplete(outcome: PollOutcome): Promise<void> {
    return this.#polls.onPollComplete(outcome);
  }

  /** A crawl collector's recorder: its series part by part, its crawl metrics. */
  crawlRecorder(collector: CrawlCollector): CrawlRecorder {
    return new CrawlSeriesRecorder(collector, this.#metrics, this.#scrape, this.#polls);
  }

  /** The answer to a scrape, from memory: a scrape never calls Partner Center. */
  body(openMetrics: boolean, gzip: boolean): Promise<Body> {
    return this.#scrape.body(openMetrics, gzip);
  }

  /** One collector's rendered series (for tests and the golden files). */
  collectorExposition(name: string): string {
    const segment = this.#scrape.collectorSegment(name);
    return segment === undefined ? "" : segmentText(segment);
  }
}
