// Measures the figures the README quotes for --demo: time from process start to the first
// successful poll and to /readyz 200, /metrics latency (sequential requests) and the process RSS.
// Usage: npm run measure:demo   (builds first; talks only to 127.0.0.1)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));
const SCRAPES = 500;

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const started = performance.now();
const child = spawn(
  process.execPath,
  [cli, "--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json"],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
let out = "";
const firstPoll = new Promise((resolve, reject) => {
  const timer = setTimeout(
    () => reject(new Error(`no successful poll within 10s:\n${out}`)),
    10_000,
  );
  child.stdout.on("data", (chunk) => {
    out += chunk;
    const url = /"url":"([^"]+)"/.exec(out)?.[1];
    if (url && out.includes('"msg":"poll succeeded"')) {
      clearTimeout(timer);
      resolve({ url, ms: performance.now() - started });
    }
  });
});
try {
  const { url, ms } = await firstPoll;
  let readyMs;
  for (;;) {
    const res = await fetch(`${url}/readyz`);
    await res.text();
    if (res.status === 200) {
      readyMs = performance.now() - started;
      break;
    }
  }
  const rssAfterStart = rssMiB(child.pid);
  const latencies = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/metrics`);
    bytes = (await res.arrayBuffer()).byteLength;
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  const figures = {
    node: process.version,
    startToFirstSuccessfulPollMs: Math.round(ms),
    startToReadyMs: Math.round(readyMs),
    metricsBytes: bytes,
    metricsP50Ms: Number(percentile(latencies, 50).toFixed(2)),
    metricsP99Ms: Number(percentile(latencies, 99).toFixed(2)),
    rssAfterStartMiB: Number(rssAfterStart.toFixed(1)),
    rssAfterScrapesMiB: Number(rssMiB(child.pid).toFixed(1)),
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  child.kill("SIGTERM");
}
