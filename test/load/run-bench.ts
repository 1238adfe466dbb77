import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Runs a bench script (bench/*.mjs, against the built CLI) with --json and parses its report. */
export function runBench<T>(script: string, args: string[], timeoutMs: number): Promise<T> {
  const path = fileURLToPath(new URL(`../../bench/${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path, ...args, "--json"],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const last = stdout.trim().split("\n").at(-1) ?? "";
        try {
          // A failed verdict exits 1 but still prints the report: the test shows what failed.
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`${script} printed no report (${String(error)}): ${stdout}${stderr}`));
        }
      },
    );
  });
}
