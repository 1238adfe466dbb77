import { expect } from "vitest";
import { type Harness, sampleValue } from "./harness.js";
import type { LogLine } from "./log-sink.js";
import type { Spawned } from "./process.js";

/**
 * After a poll the authority refused: the refusal is counted by OAuth error and AADSTS code, and
 * the error log line is returned (its `msg` and `action` say what happened and what to do).
 */
export async function expectCountedRefusal(
  harness: Harness,
  error: string,
  aadsts: number,
): Promise<LogLine | undefined> {
  const text = await harness.scrape();
  expect(sampleValue(text, "partner_center_up")).toBe(0);
  const series = `partner_center_token_refresh_failures_total{error="${error}",aadsts="${aadsts}"}`;
  expect(sampleValue(text, series)).toBe(1);
  return harness.logs.lines().find((l) => l.msg.startsWith("Partner Center sign-in refused"));
}

/** Waits for a line on a child's stderr (where `login` talks to the operator). */
export async function stderrLine(
  child: Spawned,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = child
      .stderr()
      .split("\n")
      .find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline || child.child.exitCode !== null) {
      throw new Error(`no line matching ${pattern}; stderr: ${child.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
