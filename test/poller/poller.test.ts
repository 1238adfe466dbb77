import { describe, expect, it } from "vitest";
import type { Collector } from "../../src/collectors/collector.js";
import { InvalidResponseError } from "../../src/partner-center/errors.js";
import type { PollOutcome } from "../../src/poller/poll-outcome.js";
import { Poller } from "../../src/poller/poller.js";
import { DEFAULT_COLLECTOR_OPTIONS } from "../helpers/collector-options.js";
import { captureLogs } from "../helpers/log-sink.js";

function pollerWith(
  collect: Collector["collect"],
  onPollComplete: (o: PollOutcome) => unknown,
  logs = captureLogs(),
) {
  const collector: Collector = {
    name: "only",
    defaultEnabled: true,
    description: "the only collector",
    families: [],
    skipReasons: [],
    collect,
  };
  return new Poller({
    collectors: [collector],
    client: { getJson: async () => ({}), baseUrl: "http://127.0.0.1" },
    collectorOptions: DEFAULT_COLLECTOR_OPTIONS,
    intervalMs: 60_000,
    timeoutMs: 5_000,
    sink: { onPollComplete: async (o) => void (await onPollComplete(o)) },
    logger: logs.logger,
  });
}

const ok: Collector["collect"] = async () => ({ series: new Map(), received: 0, skipped: [] });

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
