import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseDuration } from "../../src/config/duration.js";
import { type Spawned, spawnCli } from "../helpers/process.js";

/**
 * Issue 18: the pretty log (a terminal, or LOG_FORMAT=pretty) is read by people: one line per
 * poll, the per-collector detail at debug, durations as people write them (`327ms`, `1h`).
 */

let cli: Spawned | undefined;
let stateDir: string | undefined;
afterEach(async () => {
  if (cli && cli.child.exitCode === null) {
    cli.child.kill("SIGTERM");
    await cli.exited;
  }
  cli = undefined;
  if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  stateDir = undefined;
});

async function demoLog(level: "info" | "debug"): Promise<string[]> {
  // A STATE_DIR the test owns and removes (the demo's own temporary one would stay behind).
  stateDir = await mkdtemp(join(tmpdir(), "pce-pretty-"));
  cli = spawnCli([
    "--demo",
    `--state.dir=${stateDir}`,
    "--web.listen-address=127.0.0.1:0",
    "--log.format=pretty",
    `--log.level=${level}`,
  ]);
  await cli.waitFor(/poll succeeded/, 15_000);
  return cli.stdout().split("\n").filter(Boolean);
}

/** The JSON object pino-pretty prints after the message (singleLine). */
function fieldsOf(line: string | undefined): Record<string, unknown> {
  return JSON.parse(line?.slice(line.indexOf("{")) ?? "{}") as Record<string, unknown>;
}

describe("the pretty log", () => {
  it("at info: one line per event, a poll is one short line with a human duration", async () => {
    const lines = await demoLog("info");
    // Every line is an event of its own: none continues the one before (no indented fields).
    for (const line of lines) expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] [A-Z]+: /);
    const polls = lines.filter((l) => l.includes("INFO: poll succeeded"));
    expect(polls).toHaveLength(1);
    const poll = fieldsOf(polls[0]);
    expect(poll.collectors).toBeUndefined();
    expect(String(poll.duration)).toMatch(/^(\d+(ms|s|m|h))+$/);
    expect(parseDuration(String(poll.duration))).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes("poll detail"))).toBe(false);
    const listening = fieldsOf(lines.find((l) => l.includes("partner-center-exporter listening")));
    expect(listening.pollInterval).toBe("15s");
  });

  it("at debug: each collector's outcome on one more line, durations as people write them", async () => {
    const lines = await demoLog("debug");
    const detail = lines.find((l) => l.includes("DEBUG: poll detail"));
    const collectors = fieldsOf(detail).collectors as Record<string, { duration: string }>;
    expect(Object.keys(collectors)).toContain("partner-usage");
    for (const { duration } of Object.values(collectors))
      expect(duration).toMatch(/^(\d+(ms|s|m|h))+$/);
    const refreshed = fieldsOf(lines.find((l) => l.includes("access token refreshed")));
    expect(refreshed.expiresIn).toBe("1h");
  });
});
