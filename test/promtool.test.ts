import { execFile } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";

/** Runs promtool with stdin; a missing promtool fails the test (CI installs it). */
function promtool(args: string[], input: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile("promtool", args, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new Error("promtool not found: install Debian's prometheus package (see README)"));
        return;
      }
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(input);
  });
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
});

describe("promtool check metrics", () => {
  it("accepts the exporter's real /metrics output, including odd label values", async () => {
    harness = await startHarness();
    harness.simulator.setUsageItems([
      {
        proratedLicensesUsagePercent: 120.5,
        workloadName: 'Quote " and \\ and\nnewline, 日本語',
        processedDateTime: "2026-11-25T00:00:00Z",
        serviceName: "o365",
        channel: "reseller",
      },
    ]);
    await harness.exporter.poller.pollOnce();
    const text = await harness.scrape();
    expect(text).toContain("partner_license_usage_percent{");
    const result = await promtool(["check", "metrics"], text);
    expect(result).toEqual({ code: 0, output: "" });
  });

  it("is a real check: it rejects a broken exposition", async () => {
    const result = await promtool(["check", "metrics"], '# TYPE x gauge\nx{a="1" 1\n');
    expect(result.code).not.toBe(0);
  });
});
