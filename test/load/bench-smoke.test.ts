import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const COMPARE = fileURLToPath(new URL("../../bench/compare.mjs", import.meta.url));

describe("npm run bench, smoke run", () => {
  it("runs the three servers side by side without errors; every output passes promtool; gzip matches plain", {
    timeout: 120_000,
  }, async () => {
    // Timings are printed, never asserted: the bench checks errors, promtool and gzip itself and
    // exits non-zero when one fails.
    const { code, stdout, stderr } = await new Promise<{
      code: number;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(process.execPath, [COMPARE, "--smoke"], { timeout: 110_000 }, (error, out, err) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err });
      });
    });
    expect(stderr).not.toMatch(/Problems:/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\| \(a\) exporter \| 10 \|/);
    expect(stdout).toContain(
      "no errors; every output passed promtool check metrics; gzip matches plain",
    );
  });
});
