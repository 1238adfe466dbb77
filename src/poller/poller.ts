import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import {
  type CollectContext,
  type Collector,
  type CollectorOptions,
  isCrawlCollector,
  type PollCollector,
} from "../collectors/collector.js";
import { formatDuration } from "../config/duration.js";
import { AbortedError, DeadlineError, ExporterError } from "../errors/exporter-error.js";
import { linkedAbort } from "../net/linked-abort.js";
import { CrawlLoop, type CrawlSink } from "./crawl-loop.js";
import type { CollectorOutcome, PollOutcome, PollSink } from "./poll-outcome.js";
import { PollStatus } from "./poll-status.js";

export type { CrawlSink } from "./crawl-loop.js";
export type { CollectorOutcome, PollOutcome, PollSink } from "./poll-outcome.js";

export interface PollerOptions {
  readonly collectors: readonly Collector[];
  readonly client: CollectContext["client"];
  readonly collectorOptions: CollectorOptions;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Takes crawls too when a crawl collector is enabled. */
  readonly sink: PollSink & Partial<CrawlSink>;
  readonly logger: Logger;
  readonly now?: () => number;
}

const MAX_SKIP_EXAMPLES = 3;

/**
 * Polls on an interval, one poll at a time, each poll under an overall deadline; crawl collectors
 * run beside the polls on the same schedule, one crawl at a time each, without the deadline.
 */
export class Poller {
  /** What the polls so far came to: /readyz and the landing page read it. */
  readonly status = new PollStatus();
  readonly #options: PollerOptions;
  readonly #polled: readonly PollCollector[];
  readonly #crawls: readonly CrawlLoop[];
  readonly #now: () => number;
  readonly #stop = new AbortController();
  readonly #timers = new Set<NodeJS.Timeout>();
  #inflight: Promise<PollOutcome> | undefined;

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#polled = options.collectors.filter((c): c is PollCollector => !isCrawlCollector(c));
    const { sink } = options;
    this.#crawls = options.collectors.filter(isCrawlCollector).map((collector) => {
      if (sink.crawlRecorder === undefined) throw new Error("a crawl collector needs a crawl sink");
      const recorder = sink.crawlRecorder(collector);
      return new CrawlLoop({ ...options, collector, recorder, now: this.#now });
    });
  }

  /**
   * First poll (and crawl) now, then one every interval, measured start to start: a slow one
   * never stacks, the next starts when it ends.
   */
  start(): void {
    this.#every(() => this.pollOnce());
    for (const crawl of this.#crawls) this.#every(() => crawl.crawlOnce(this.#stop.signal));
  }

  #every(task: () => Promise<unknown>): void {
    const loop = async (): Promise<void> => {
      if (this.#stop.signal.aborted) return;
      const started = this.#now();
      await task();
      if (this.#stop.signal.aborted) return;
      const wait = Math.max(0, started + this.#options.intervalMs - this.#now());
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void loop();
      }, wait);
      this.#timers.add(timer);
    };
    void loop();
  }

  /** Every crawl collector's crawl, now (or the one running): for tests and the demo. */
  crawlOnce(): Promise<CollectorOutcome[]> {
    return Promise.all(this.#crawls.map((crawl) => crawl.crawlOnce(this.#stop.signal)));
  }

  /** Stops the schedule and cancels a poll or crawl in flight; resolves when they have wound down. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#stop.abort(new AbortedError("shutting down"));
    await this.#inflight?.catch(() => undefined);
    await Promise.all(this.#crawls.map((crawl) => crawl.running?.catch(() => undefined)));
  }

  /** Runs a poll, or joins the one already running. */
  pollOnce(): Promise<PollOutcome> {
    this.#inflight ??= this.#poll().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #poll(): Promise<PollOutcome> {
    const { client, timeoutMs, sink } = this.#options;
    const collectors = this.#polled;
    const correlationId = randomUUID();
    const logger = this.#options.logger.child({ correlationId });
    const startedAt = this.#now();
    // Aborted by shutdown or by the deadline (not AbortSignal.any: it leaks on Node 20).
    const abort = linkedAbort(this.#stop.signal);
    const timer = setTimeout(() => abort.controller.abort(new DeadlineError(timeoutMs)), timeoutMs);
    const context: CollectContext = {
      client,
      correlationId,
      signal: abort.signal,
      options: this.#options.collectorOptions,
    };
    let results: CollectorOutcome[];
    try {
      results = await Promise.all(
        collectors.map((collector) => this.#collect(collector, context, logger)),
      );
    } finally {
      clearTimeout(timer);
      abort.release();
    }
    const outcome: PollOutcome = {
      correlationId,
      ok: results.every((r) => r.ok),
      startedAt,
      finishedAt: this.#now(),
      results,
    };
    if (!this.#stop.signal.aborted) {
      await sink.onPollComplete(outcome);
      // After the sink: ready only once the poll's series are served.
      this.status.record(outcome);
      logOutcome(logger, outcome);
    }
    return outcome;
  }

  async #collect(
    collector: PollCollector,
    context: CollectContext,
    logger: Logger,
  ): Promise<CollectorOutcome> {
    const started = this.#now();
    try {
      const collection = await collector.collect(context);
      // A body can arrive after the deadline fired; late data would break "one poll, one deadline".
      if (context.signal.aborted) throw context.signal.reason;
      return { collector, ok: true, collection, durationMs: this.#now() - started };
    } catch (error) {
      // Typed errors carry their reason. Anything else is a fault of this code (a TypeError, a
      // broken invariant), not of the API: its own reason, and its stack for whoever fixes it.
      if (!(error instanceof ExporterError)) {
        logger.error(
          { collector: collector.name, err: error },
          "internal error in the exporter; keeping the collector's last good series (please report it)",
        );
      }
      return {
        collector,
        ok: false,
        reason: error instanceof ExporterError ? error.reason : "internal",
        error: error instanceof Error ? error.message : String(error),
        durationMs: this.#now() - started,
      };
    }
  }
}

function logOutcome(logger: Logger, outcome: PollOutcome): void {
  const summary: Record<string, unknown> = {};
  for (const result of outcome.results) {
    const name = result.collector.name;
    if (result.ok) {
      const { collection } = result;
      const series = [...collection.series.values()].reduce((n, s) => n + s.length, 0);
      summary[name] = {
        ok: true,
        received: collection.received,
        skipped: collection.skipped.length,
        series,
        duration: formatDuration(result.durationMs),
      };
      if (collection.skipped.length > 0) {
        const byReason: Record<string, number> = {};
        for (const skip of collection.skipped)
          byReason[skip.reason] = (byReason[skip.reason] ?? 0) + 1;
        logger.warn(
          {
            collector: name,
            skipped: byReason,
            examples: collection.skipped.slice(0, MAX_SKIP_EXAMPLES).map((s) => s.detail),
          },
          "skipped unusable items",
        );
      }
    } else {
      summary[name] = {
        ok: false,
        reason: result.reason,
        duration: formatDuration(result.durationMs),
      };
      logger.warn(
        { collector: name, reason: result.reason, error: result.error },
        "collector failed; keeping its last good series",
      );
    }
  }
  // One short line per poll (one line in the pretty log too); each collector's detail at debug.
  const failed = Object.fromEntries(
    outcome.results.flatMap((r) => (r.ok ? [] : [[r.collector.name, r.reason]])),
  );
  const duration = formatDuration(outcome.finishedAt - outcome.startedAt);
  logger.debug({ collectors: summary }, "poll detail");
  logger.info(
    { ok: outcome.ok, duration, ...(outcome.ok ? {} : { failed }) },
    outcome.ok ? "poll succeeded" : "poll failed",
  );
}
