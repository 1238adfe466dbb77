import { describe, expect, it } from "vitest";
import { runBench } from "./run-bench.js";

/**
 * CI's short version of `bench/soak.mjs`: 100 ms polls with every series replaced on every
 * poll, refresh tokens rotating every few seconds, scrapers that never stop; post-GC heap
 * sampled every second. No errors, and no growth beyond noise (a gross leak, such as series
 * never removed, grows the heap by megabytes within seconds here).
 */

interface SoakReport {
  readonly polls: number;
  readonly pollsFailed: number;
  readonly tokenRotations: number;
  readonly scrapes: number;
  readonly scrapeErrors: string[];
  readonly exporterErrorLines: number;
  readonly exporterProblems: string[];
  readonly heapUsedMiB: Record<string, number>;
  readonly rssMiB: Record<string, number>;
  readonly leak: boolean;
  readonly exitCode: number;
  readonly ok: boolean;
}

describe("endurance (short)", () => {
  it("fast polls, churning series, rotating tokens, constant scrapes: no errors, no leak trend", async () => {
    const report = await runBench<SoakReport>(
      "soak.mjs",
      ["--duration=10", "--sample-every=1", "--scrapers=2", "--items=100", "--churn=100"],
      60_000,
    );
    console.log(
      `soak: ${report.polls} polls, ${report.scrapes} scrapes, ${report.tokenRotations} token rotations; heap MiB ${JSON.stringify(report.heapUsedMiB)}; RSS MiB ${JSON.stringify(report.rssMiB)}`,
    );
    expect(report.exporterProblems).toEqual([]);
    expect(report.scrapeErrors).toEqual([]);
    expect([report.pollsFailed, report.exporterErrorLines, report.exitCode]).toEqual([0, 0, 0]);
    expect(report.polls).toBeGreaterThan(30);
    expect(report.tokenRotations).toBeGreaterThanOrEqual(1);
    expect(report.leak).toBe(false);
    expect(report.ok).toBe(true);
  }, 60_000);
});
