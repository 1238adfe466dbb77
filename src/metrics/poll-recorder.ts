import type { Collector } from "../collectors/collector.js";
import type { CollectorOutcome, PollOutcome, PollSink } from "../poller/poll-outcome.js";
import { gaugeChunks, renderGaugeFamilies } from "./exposition.js";
import { type ScrapeCache, type Segment, toSegment } from "./scrape-cache.js";
import type { SelfMetrics } from "./self-metrics.js";

/**
 * The poll sink: renders each successful collector's series (in chunks, yielding to scrapes),
 * then swaps them into the scrape cache and updates the poll metrics in one synchronous step, so a
 * scrape never sees half a poll.
 */
export class PollRecorder implements PollSink {
  readonly #metrics: SelfMetrics;
  readonly #scrape: ScrapeCache;
  /** Whether each collector's last poll (or crawl) succeeded: partner_center_up is all of them. */
  readonly #ok = new Map<string, boolean>();
  #polled = false;

  constructor(metrics: SelfMetrics, scrape: ScrapeCache) {
    this.#metrics = metrics;
    this.#scrape = scrape;
  }

  /** The collectors' families with no series yet: what a scrape shows before the first poll. */
  async initialize(collectors: readonly Collector[]): Promise<void> {
    const empty = new Map<string, Segment>();
    for (const collector of collectors) {
      empty.set(
        collector.name,
        await toSegment(await renderGaugeFamilies(collector.families, new Map())),
      );
    }
    this.#scrape.setCollectorSegments(empty);
  }

  async onPollComplete(outcome: PollOutcome): Promise<void> {
    const rendered = new Map<string, Segment>();
    for (const result of outcome.results) {
      if (!result.ok) continue;
      const chunks = gaugeChunks(result.collector.families, result.collection.series);
      rendered.set(result.collector.name, await toSegment(chunks));
    }
    this.#scrape.setCollectorSegments(rendered);
    const finished = outcome.finishedAt / 1000;
    for (const result of outcome.results) this.#recordCollector(result, finished);
    const m = this.#metrics;
    m.partner_center_poll_duration_seconds.observe((outcome.finishedAt - outcome.startedAt) / 1000);
    this.#polled = true;
    m.partner_center_up.set(outcome.ok && this.#allOk() ? 1 : 0);
    if (outcome.ok) m.partner_center_last_success_timestamp_seconds.set(finished);
    this.#scrape.markChanged();
  }

  /** A crawl collector's crawl ended: its collector metrics, and partner_center_up with them. */
  recordCrawl(result: CollectorOutcome, finishedSeconds: number): void {
    this.#recordCollector(result, finishedSeconds);
    // Before the first poll, up stays 0 (nothing is known of the polled collectors yet).
    if (this.#polled) this.#metrics.partner_center_up.set(this.#allOk() ? 1 : 0);
    this.#scrape.markChanged();
  }

  #allOk(): boolean {
    return [...this.#ok.values()].every(Boolean);
  }

  #recordCollector(result: CollectorOutcome, finishedSeconds: number): void {
    const m = this.#metrics;
    const labels = { collector: result.collector.name };
    if (result.ok || result.reason !== "aborted") this.#ok.set(result.collector.name, result.ok);
    m.partner_center_collector_duration_seconds.set(labels, result.durationMs / 1000);
    if (!result.ok) {
      m.partner_center_collector_success.set(labels, 0);
      // A poll cut short by shutdown is no failure of Partner Center.
      if (result.reason !== "aborted") {
        m.partner_center_poll_errors_total.inc({ ...labels, reason: result.reason });
      }
      return;
    }
    const { collection } = result;
    m.partner_center_collector_success.set(labels, 1);
    m.partner_center_collector_last_success_timestamp_seconds.set(labels, finishedSeconds);
    m.partner_center_items_received_total.inc(labels, collection.received);
    for (const skip of collection.skipped) {
      m.partner_center_items_skipped_total.inc({ ...labels, reason: skip.reason });
    }
  }
}
