// A child process whose stdout lines the benches wait on (JSON log lines, or a JSON first line).
import { spawn } from "node:child_process";

/** Starts `node [execArgv] file ...argv` (`node`: another runtime's binary); waitFor(re) resolves with the first matching line, parsed. */
export function startProcess(file, argv = [], { env = {}, execArgv = [], node } = {}) {
  const child = spawn(node ?? process.execPath, [...execArgv, file, ...argv], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (c) => {
    out += c;
  });
  const waitFor = (re, ms = 20_000) =>
    new Promise((resolve, reject) => {
      const t0 = Date.now();
      const timer = setInterval(() => {
        const line = out.split("\n").find((l) => re.test(l));
        if (line) {
          clearInterval(timer);
          resolve(JSON.parse(line));
        } else if (Date.now() - t0 > ms || child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`${file}: no line matching ${re}: ${out.slice(-2000)}`));
        }
      }, 5);
    });
  return { child, waitFor };
}
