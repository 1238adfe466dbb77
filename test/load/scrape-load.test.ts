import { describe, expect, it } from "vitest";
import { runBench } from "./run-bench.js";

/**
 * CI's short version of `bench/scrape-load.mjs`: concurrent scrapers for a few seconds while
 * the exporter polls a churning simulator every second, plain and with TLS + basic auth.
 * Latency is reported, never asserted; errors are.
 */

interface ScenarioFigures {
  readonly scenario: string;
  readonly requests: number;
  readonly requestsPerSec: number;
  readonly latencyMs: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly pollsDuringRun: number;
  readonly pollsFailed: number;
  readonly exporterErrorLines: number;
  readonly problems: string[];
  readonly ok: boolean;
}

describe("scrape load (short)", () => {
  it("16 concurrent scrapers while polls run every second: zero errors, plain and TLS + basic auth", async () => {
    // Rate-limited so the rest of the suite, running beside it on two cores, keeps its pace.
    const report = await runBench<{ results: ScenarioFigures[] }>(
      "scrape-load.mjs",
      ["--duration=3", "--connections=16", "--rate=300", "--scenario=both"],
      60_000,
    );
    for (const r of report.results) {
      console.log(
        `${r.scenario}: ${r.requests} scrapes (${r.requestsPerSec}/s), latency ms ${JSON.stringify(r.latencyMs)}, ${r.pollsDuringRun} polls`,
      );
      expect(r.problems).toEqual([]);
      expect([r.errors, r.timeouts, r.non2xx, r.pollsFailed, r.exporterErrorLines]).toEqual([
        0, 0, 0, 0, 0,
      ]);
      expect(r.requests).toBeGreaterThan(100);
      expect(r.pollsDuringRun).toBeGreaterThanOrEqual(1);
      expect(r.ok).toBe(true);
    }
    expect(report.results.map((r) => r.scenario)).toEqual(["plain", "tls-auth"]);
  }, 60_000);
});
