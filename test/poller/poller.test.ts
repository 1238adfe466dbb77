import { describe, expect, it } from "vitest";
import type { CrawlCollector, PollCollector } from "../../src/collectors/collector.js";
import { InvalidResponseError } from "../../src/partner-center/errors.js";
import type { CrawlRecorder } from "../../src/poller/crawl-loop.js";
import type { PollOutcome } from "../../src/poller/poll-outcome.js";
import { Poller } from "../../src/poller/poller.js";
import { answering } from "../helpers/answering.js";
import { DEFAULT_COLLECTOR_OPTIONS } from "../helpers/collector-options.js";
import { captureLogs } from "../helpers/log-sink.js";

function pollerWith(
  collect: PollCollector["collect"],
  onPollComplete: (o: PollOutcome) => unknown,
  logs = captureLogs(),
) {
  const collector: PollCollector = {
    name: "only",
    defaultEnabled: true,
    description: "the only collector",
    families: [],
    skipReasons: [],
    collect,
  };
  return new Poller({
    collectors: [collector],
    client: answering({}),
    collectorOptions: DEFAULT_COLLECTOR_OPTIONS,
    intervalMs: 60_000,
    timeoutMs: 5_000,
    sink: { onPollComplete: async (o) => void (await onPollComplete(o)) },
    logger: logs.logger,
  });
}

const ok: PollCollector["collect"] = async () => ({ series: new Map(), received: 0, skipped: [] });

describe("the poller's status", () => {
  it("turns ready only once the sink has the poll (its series are served)", async () => {
    const seenBySink: boolean[] = [];
    const poller = pollerWith(ok, () => seenBySink.push(poller.status.ready));
    expect(poller.status.ready).toBe(false);
    const outcome = await poller.pollOnce();
    expect(seenBySink).toEqual([false]);
    expect(poller.status.ready).toBe(true);
    expect(poller.status.lastSuccessAt).toBe(outcome.finishedAt);
  });

  it("records a failed poll with the collector and its reason", async () => {
    const poller = pollerWith(
      async () => {
        throw new InvalidResponseError("no body");
      },
      () => undefined,
    );
    await poller.pollOnce();
    expect([poller.status.ready, poller.status.lastPollOk]).toEqual([false, false]);
    expect(poller.status.failures).toEqual([{ collector: "only", reason: "invalid_response" }]);
  });

  it("files a fault of its own code (a TypeError) as internal, with its stack at error level", async () => {
    const logs = captureLogs();
    const poller = pollerWith(
      async () => {
        const rows: { labels?: { workload: string } } = {};
        // A broken invariant: the code assumed labels were there.
        return {
          series: new Map(),
          received: (rows.labels as { workload: string }).workload.length,
          skipped: [],
        };
      },
      () => undefined,
      logs,
    );
    const outcome = await poller.pollOnce();
    expect(outcome.results[0]).toMatchObject({ ok: false, reason: "internal" });
    expect(poller.status.failures).toEqual([{ collector: "only", reason: "internal" }]);
    const internal = logs.lines().find((l) => l.level === "error");
    expect(internal).toMatchObject({ collector: "only", err: { type: "TypeError" } });
    expect(String((internal?.err as { stack?: string } | undefined)?.stack)).toMatch(
      /poller\.test\.ts/,
    );
    const failed = logs.lines().find((l) => l.msg.startsWith("collector failed"));
    expect(failed).toMatchObject({ reason: "internal", level: "warn" });
  });

  it("records nothing for a poll that shutdown cut short", async () => {
    const sunk: PollOutcome[] = [];
    // A collector that answers only when its poll is aborted.
    const poller = pollerWith(
      (context) =>
        new Promise((_resolve, reject) => {
          context.signal.addEventListener("abort", () => reject(context.signal.reason));
        }),
      (o) => sunk.push(o),
    );
    const polling = poller.pollOnce();
    await poller.stop();
    await polling;
    expect(sunk).toEqual([]);
    expect([poller.status.lastPollAt, poller.status.lastPollOk]).toEqual([undefined, undefined]);
  });
});

describe("a crawl collector beside the polls", () => {
  function crawlingPoller(crawl: CrawlCollector["crawl"]) {
    const events: string[] = [];
    const collector: CrawlCollector = {
      name: "crawler",
      mode: "crawl",
      defaultEnabled: false,
      description: "a crawl",
      families: [],
      skipReasons: [],
      crawl,
    };
    const recorder: CrawlRecorder = {
      listed: (n) => events.push(`listed ${n}`),
      part: (key) => events.push(`part ${key}`),
      failed: (key, reason) => events.push(`failed ${key} ${reason}`),
      pace: (n) => events.push(`pace ${n}`),
      complete: async (outcome, keep) =>
        void events.push(`complete ${outcome.ok} ${[...(keep ?? [])].join(",")}`),
    };
    const poller = new Poller({
      collectors: [collector],
      client: answering({}),
      collectorOptions: DEFAULT_COLLECTOR_OPTIONS,
      intervalMs: 60_000,
      timeoutMs: 20,
      sink: { onPollComplete: () => undefined, crawlRecorder: () => recorder },
      logger: captureLogs().logger,
    });
    return { poller, events };
  }

  it("runs without the poll's deadline and reports each part, then the end", async () => {
    const { poller, events } = crawlingPoller(async ({ progress }) => {
      progress.listed(2);
      // Longer than the poll deadline (20 ms): a crawl is not a poll.
      await new Promise((resolve) => setTimeout(resolve, 60));
      progress.part("a", { series: new Map(), received: 0, skipped: [] });
      progress.failed("b", "http_error", "500");
      return { keep: new Set(["a", "b"]), received: 0, skipped: [], failed: 1 };
    });
    const [outcome] = await poller.crawlOnce();
    expect(outcome?.ok).toBe(true);
    expect(events).toEqual(["listed 2", "part a", "failed b http_error", "complete true a,b"]);
  });

  it("is cancelled by stop, and reports no end", async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const { poller, events } = crawlingPoller(
      ({ signal }) =>
        new Promise((_resolve, reject) => {
          started();
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    );
    poller.start();
    await running;
    await poller.stop();
    expect(events).toEqual([]);
  });
});
