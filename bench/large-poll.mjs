// The large-data case: both customer collectors, default grouping, against a simulator (in its
// own process) serving about 100k rows (25,000 customers: ~75k usage and ~25k deployment rows).
// Measures the poll (first request to the new series being served), CPU time in the exporter
// (transfer, parse, render, gzip), its peak RSS, the RSS once the poll is served (after a plain
// and a gzip scrape), the /metrics size (plain and gzip) and /healthz latency, requested back to
// back while the poll runs (event-loop stalls).
// --partner-rows=N: the partner-level case instead: partner-usage alone, its endpoint answering
// N compact rows (640000 is about 61 MiB, under the 64 MiB body limit), PARTNER_MAX_SERIES from
// --max-series (default 1000000: every row is parsed and exported).
// Usage: npm run build && node bench/large-poll.mjs [--customers=25000] [--collectors=a,b]
//          [--partner-rows=640000] [--max-series=N] [--save=FILE] [--no-probe]
// Talks only to 127.0.0.1.
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { startProcess } from "./child.mjs";

const customers = Number(/--customers=(\d+)/.exec(process.argv.join(" "))?.[1] ?? 25000);
const partnerRows = Number(/--partner-rows=(\d+)/.exec(process.argv.join(" "))?.[1] ?? 0);
const maxSeries = /--max-series=(\d+)/.exec(process.argv.join(" "))?.[1] ?? "1000000";
const collectors =
  /--collectors=(\S+)/.exec(process.argv.join(" "))?.[1] ??
  (partnerRows > 0 ? "partner-usage" : "customer-usage,customer-deployment");
const cli = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));
const TICK = 100; // clock ticks per second (Linux)

function procStat(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICK };
}
function statusMiB(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
}
const peakRssMiB = (pid) => statusMiB(pid, "VmHWM");
const rssMiB = (pid) => statusMiB(pid, "VmRSS");
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

// The simulator runs in its own process: the latency probe below measures the exporter alone.
const sim = startProcess(fileURLToPath(new URL("./servers/simulator.mjs", import.meta.url)), [
  String(partnerRows > 0 ? 1 : customers),
  String(partnerRows),
]);
const simulator = await sim.waitFor(/"url"/);
const simUrl = simulator.url;
const stateDir = await mkdtemp(join(tmpdir(), "pce-large-"));
// e.g. PCE_BENCH_EXEC_ARGV="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the exporter.
const exporter = startProcess(cli, ["--log.format=json"], {
  execArgv: (process.env.PCE_BENCH_EXEC_ARGV ?? "").split(" ").filter(Boolean),
  env: {
    AZURE_TENANT_ID: simulator.tenantId,
    AZURE_CLIENT_ID: simulator.clientId,
    AZURE_CLIENT_SECRET: simulator.clientSecret,
    PARTNER_CENTER_REFRESH_TOKEN: simulator.refreshToken,
    AZURE_AUTHORITY_HOST: simUrl,
    PARTNER_CENTER_URL: simUrl,
    STATE_DIR: stateDir,
    COLLECTORS: collectors,
    CUSTOMER_MAX_SERIES: maxSeries,
    PARTNER_MAX_SERIES: maxSeries,
    POLL_INTERVAL: "1h",
    WEB_LISTEN_ADDRESS: "127.0.0.1:0",
  },
});
const { child } = exporter;
const waitFor = exporter.waitFor;
try {
  const listening = await waitFor(/partner-center-exporter listening/, 20_000);
  const cpuAtStart = procStat(child.pid).cpuSeconds;
  const started = Date.now();
  // Scrape continuously while the first poll runs: latency shows event-loop stalls.
  const latencies = [];
  // --no-probe: the poll's own CPU, without serving the probe's requests (about 1,500 of them).
  let polling = !process.argv.includes("--no-probe");
  const scraper = (async () => {
    while (polling) {
      const t0 = performance.now();
      const res = await fetch(`${listening.url}/healthz`);
      await res.text();
      latencies.push(performance.now() - t0);
    }
  })();
  const poll = await waitFor(/"msg":"poll (succeeded|failed)"/, 300_000);
  const pollWallMs = Date.now() - started;
  polling = false;
  await scraper;
  const cpu = procStat(child.pid).cpuSeconds - cpuAtStart;
  const peakDuringPoll = peakRssMiB(child.pid);
  const t0 = performance.now();
  const text = await (await fetch(`${listening.url}/metrics`)).text();
  const scrapeMs = performance.now() - t0;
  // --save=FILE: the plain exposition, for bench/gzip-knobs.mjs.
  const save = /--save=(\S+)/.exec(process.argv.join(" "))?.[1];
  if (save !== undefined) writeFileSync(save, text);
  const gzipped = await fetch(`${listening.url}/metrics`, {
    headers: { "Accept-Encoding": "gzip" },
  });
  await gzipped.arrayBuffer();
  // Served: both variants built once; what stays is what the kept bodies need.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const rssServed = rssMiB(child.pid);
  const series = text
    .split("\n")
    .filter((l) => l.startsWith("partner_customer_") || l.startsWith("partner_license_")).length;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify(
      {
        customers: partnerRows > 0 ? 0 : customers,
        partnerRows,
        pollOk: poll.ok,
        collectors: poll.collectors,
        series,
        pollWallMs,
        exporterCpuSeconds: Number(cpu.toFixed(2)),
        peakRssMiB: Number(peakRssMiB(child.pid).toFixed(1)),
        peakRssDuringPollMiB: Number(peakDuringPoll.toFixed(1)),
        rssServedMiB: Number(rssServed.toFixed(1)),
        metricsBytes: Buffer.byteLength(text),
        metricsGzipBytes: gzipSync(text).length,
        firstScrapeAfterPollMs: Number(scrapeMs.toFixed(1)),
        probeDuringPoll: {
          count: latencies.length,
          p50Ms: Number(pct(latencies, 50).toFixed(1)),
          p99Ms: Number(pct(latencies, 99).toFixed(1)),
          maxMs: Number((latencies.at(-1) ?? 0).toFixed(1)),
        },
      },
      null,
      2,
    ),
  );
} finally {
  child.kill("SIGTERM");
  sim.child.kill("SIGTERM");
  await rm(stateDir, { recursive: true, force: true });
}
