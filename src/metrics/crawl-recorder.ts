import type { Collection, CrawlCollector } from "../collectors/collector.js";
import type { FailureReason } from "../errors/exporter-error.js";
import type { CrawlRecorder } from "../poller/crawl-loop.js";
import type { CollectorOutcome } from "../poller/poll-outcome.js";
import { sampleLines } from "./exposition.js";
import { PartBlocks } from "./part-blocks.js";
import type { PollRecorder } from "./poll-recorder.js";
import type { ScrapeCache } from "./scrape-cache.js";
import type { SelfMetrics } from "./self-metrics.js";

/**
 * Renders are at least this far apart, and at least RENDER_COST_FACTOR times the last one's time:
 * under 5% of a core whatever a join costs. A join compresses only the blocks that changed
 * (PartBlocks): about 15 ms at 25,000 customers with 5 changed, 270 ms when every block is new
 * (bench/crawl-join.mjs).
 */
const MIN_RENDER_GAP_MS = 1_000;
const RENDER_COST_FACTOR = 19;

/**
 * A crawl collector's series, part by part: a part's answer is rendered to its lines (one string
 * per family) and replaces its old lines at once; the segment a scrape serves is joined from
 * every part's latest lines, coalesced (at most every second, and never more than a twentieth of
 * the time), so a scrape sees each customer whole, old or new, never half of one. Kept as text,
 * 25,000 customers are 175,000 strings, not a million small objects for the GC to walk. At the end
 * of a crawl, the parts it did not find go, and the segment is joined at once.
 */
export class CrawlSeriesRecorder implements CrawlRecorder {
  readonly #collector: CrawlCollector;
  readonly #metrics: SelfMetrics;
  readonly #scrape: ScrapeCache;
  readonly #polls: PollRecorder;
  /** Each part's sample lines, per family (in the collector's order). */
  readonly #parts: PartBlocks;
  readonly #labels: { readonly collector: string };
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;
  #rendering: Promise<void> | undefined;
  #dirty = false;
  #lastRenderMs = 0;

  constructor(
    collector: CrawlCollector,
    metrics: SelfMetrics,
    scrape: ScrapeCache,
    polls: PollRecorder,
  ) {
    this.#collector = collector;
    this.#metrics = metrics;
    this.#scrape = scrape;
    this.#polls = polls;
    this.#labels = { collector: collector.name };
    this.#parts = new PartBlocks(collector.families);
  }

  listed(parts: number): void {
    this.#pending = parts;
    this.#state("done", 0);
    this.#state("failed", 0);
    this.#state("pending", parts);
  }

  part(key: string, collection: Collection): void {
    const lines = this.#collector.families.map((family) =>
      sampleLines(family, collection.series.get(family.name) ?? []),
    );
    this.#parts.set(key, lines);
    this.#step("done");
    this.#dirty = true;
    this.#schedule();
  }

  failed(_key: string, reason: FailureReason, _error: string): void {
    this.#metrics.partner_center_crawl_customer_failures_total.inc({ ...this.#labels, reason });
    this.#step("failed");
  }

  pace(requestsPerMinute: number): void {
    this.#metrics.partner_center_crawl_requests_per_minute.set(this.#labels, requestsPerMinute);
    this.#scrape.markChanged();
  }

  async complete(outcome: CollectorOutcome, keep: ReadonlySet<string> | undefined): Promise<void> {
    const finished = Date.now() / 1000;
    if (outcome.ok && keep !== undefined) {
      this.#parts.retain(keep);
      this.#metrics.partner_center_crawl_last_complete_timestamp_seconds.set(
        this.#labels,
        finished,
      );
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#rendering;
    await this.#render();
    this.#polls.recordCrawl(outcome, finished);
  }

  #state(state: string, value: number): void {
    this.#metrics.partner_center_crawl_customers.set({ ...this.#labels, state }, value);
    this.#scrape.markChanged();
  }

  #step(state: "done" | "failed"): void {
    this.#metrics.partner_center_crawl_customers.inc({ ...this.#labels, state });
    this.#pending = Math.max(0, this.#pending - 1);
    this.#state("pending", this.#pending);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#rendering !== undefined) return;
    const gap = Math.max(MIN_RENDER_GAP_MS, this.#lastRenderMs * RENDER_COST_FACTOR);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#render().then(() => {
        if (this.#dirty) this.#schedule();
      });
    }, gap);
    this.#timer.unref();
  }

  /** Joins every part's latest lines and swaps the segment in. */
  #render(): Promise<void> {
    this.#dirty = false;
    const started = performance.now();
    const rendering = this.#parts
      .join()
      .then((segment) => {
        this.#scrape.setCollectorSegments(new Map([[this.#collector.name, segment]]));
        this.#lastRenderMs = performance.now() - started;
      })
      .finally(() => {
        this.#rendering = undefined;
      });
    this.#rendering = rendering;
    return rendering;
  }
}
