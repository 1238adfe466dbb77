import { describe, expect, it } from "vitest";
import type { Collector } from "../../src/collectors/collector.js";
import type { PollOutcome } from "../../src/poller/poll-outcome.js";
import { PollStatus } from "../../src/poller/poll-status.js";

const collector = (name: string): Collector => ({
  name,
  defaultEnabled: true,
  description: name,
  families: [],
  skipReasons: [],
  collect: async () => ({ series: new Map(), received: 0, skipped: [] }),
});

const collection = { series: new Map(), received: 0, skipped: [] };

function outcome(finishedAt: number, failed: readonly string[]): PollOutcome {
  return {
    correlationId: String(finishedAt),
    ok: failed.length === 0,
    startedAt: finishedAt - 10,
    finishedAt,
    results: ["a", "b"].map((name) =>
      failed.includes(name)
        ? { collector: collector(name), ok: false, reason: "timeout", error: "x", durationMs: 1 }
        : { collector: collector(name), ok: true, collection, durationMs: 1 },
    ),
  };
}

describe("PollStatus", () => {
  it("knows nothing and is not ready before the first poll", () => {
    const status = new PollStatus();
    expect([status.ready, status.lastPollAt, status.lastPollOk, status.lastSuccessAt]).toEqual([
      false,
      undefined,
      undefined,
      undefined,
    ]);
    expect(status.failures).toEqual([]);
  });

  it("stays not ready after a failed poll, and names the collectors that failed", () => {
    const status = new PollStatus();
    status.record(outcome(1_000, ["b"]));
    expect([status.ready, status.lastPollAt, status.lastPollOk]).toEqual([false, 1_000, false]);
    expect(status.failures).toEqual([{ collector: "b", reason: "timeout" }]);
  });

  it("is ready after a successful poll and stays so, keeping the last success, after a failure", () => {
    const status = new PollStatus();
    status.record(outcome(1_000, []));
    expect([status.ready, status.lastSuccessAt, status.failures]).toEqual([true, 1_000, []]);
    status.record(outcome(2_000, ["a", "b"]));
    expect([status.ready, status.lastPollAt, status.lastPollOk, status.lastSuccessAt]).toEqual([
      true,
      2_000,
      false,
      1_000,
    ]);
    expect(status.failures.map((f) => f.collector)).toEqual(["a", "b"]);
  });
});
