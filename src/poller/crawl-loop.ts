import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type {
  CollectContext,
  CollectorOptions,
  CrawlCollector,
  CrawlProgress,
} from "../collectors/collector.js";
import { formatDuration } from "../config/duration.js";
import { ExporterError } from "../errors/exporter-error.js";
import { linkedAbort } from "../net/linked-abort.js";
import type { CollectorOutcome } from "./poll-outcome.js";

/** A crawl collector's progress reports, and the end of each crawl. */
export interface CrawlRecorder extends CrawlProgress {
  /** The crawl ended: what it came to, and (when it went through) the parts still there. */
  complete(outcome: CollectorOutcome, keep: ReadonlySet<string> | undefined): Promise<void>;
}

/** Where crawls report (the metrics layer, wired in main). */
export interface CrawlSink {
  crawlRecorder(collector: CrawlCollector): CrawlRecorder;
}

export interface CrawlLoopOptions {
  readonly collector: CrawlCollector;
  readonly client: CollectContext["client"];
  readonly collectorOptions: CollectorOptions;
  readonly intervalMs: number;
  readonly recorder: CrawlRecorder;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Runs a crawl collector: a new crawl at each poll interval or when the previous one ends,
 * whichever is later. No overall deadline (a crawl at a low pace takes hours); each request keeps
 * its timeout, and stopping cancels the crawl.
 */
export class CrawlLoop {
  readonly #options: CrawlLoopOptions;
  readonly #recorder: CrawlRecorder;
  #inflight: Promise<CollectorOutcome> | undefined;

  constructor(options: CrawlLoopOptions) {
    this.#options = options;
    this.#recorder = options.recorder;
  }

  /** The crawl in flight, if any. */
  get running(): Promise<CollectorOutcome> | undefined {
    return this.#inflight;
  }

  /** Runs a crawl, or joins the one already running. */
  crawlOnce(stop: AbortSignal): Promise<CollectorOutcome> {
    this.#inflight ??= this.#crawl(stop).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #crawl(stop: AbortSignal): Promise<CollectorOutcome> {
    const { collector, client, collectorOptions, now } = this.#options;
    const correlationId = randomUUID();
    const logger = this.#options.logger.child({ correlationId, collector: collector.name });
    const abort = linkedAbort(stop);
    const started = now();
    const progress = this.#recorder;
    let outcome: CollectorOutcome;
    let keep: ReadonlySet<string> | undefined;
    let failed = 0;
    try {
      const result = await collector.crawl({
        client,
        correlationId,
        signal: abort.signal,
        options: collectorOptions,
        progress: {
          listed: (n) => progress.listed(n),
          part: (key, collection) => progress.part(key, collection),
          pace: (perMinute) => progress.pace(perMinute),
          failed: (key, reason, error) => {
            logger.warn(
              { customer: key, reason, error },
              "crawl: keeping the last good series of a part that failed",
            );
            progress.failed(key, reason, error);
          },
        },
      });
      keep = result.keep;
      failed = result.failed;
      const { received, skipped } = result;
      const collection = { series: new Map(), received, skipped };
      outcome = { collector, ok: true, collection, durationMs: now() - started };
    } catch (error) {
      const reason = error instanceof ExporterError ? error.reason : "invalid_response";
      const message = error instanceof Error ? error.message : String(error);
      outcome = { collector, ok: false, reason, error: message, durationMs: now() - started };
    } finally {
      abort.release();
    }
    if (stop.aborted) return outcome;
    // Logged once the crawl's series are served (the end of a crawl renders them at once).
    await progress.complete(outcome, keep);
    logCrawl(logger, outcome, keep?.size ?? 0, failed);
    return outcome;
  }
}

function logCrawl(logger: Logger, outcome: CollectorOutcome, parts: number, failed: number): void {
  if (outcome.ok) {
    const { received, skipped } = outcome.collection;
    const duration = formatDuration(outcome.durationMs);
    logger.info({ parts, failed, received, skipped: skipped.length, duration }, "crawl complete");
  } else if (outcome.reason !== "aborted") {
    logger.warn(
      { reason: outcome.reason, error: outcome.error },
      "crawl failed; keeping the last good series",
    );
  }
}
