// Endurance: fast polls (every 100 ms) of a simulator whose series churn on every poll, access
// tokens that expire every few seconds (so refresh tokens rotate and are saved all the time),
// and scrapers that never stop. Every few seconds the exporter collects garbage (bench/gc-hook.mjs)
// and reports its heap and RSS; after a warm-up, the trend of those must be flat.
//
// Usage: npm run build && node bench/soak.mjs [--duration=360] [--poll-interval=100ms]
//          [--scrapers=4] [--sample-every=10] [--json]
// The default, 360 s of 100 ms polls, is 3600 polls: an hour of 1 s polls (150 days of the
// default hourly polls), with series churning on every one. Exit 1 on errors or a leak trend.
import { request } from "node:http";
import {
  cpuSeconds,
  MiB,
  parseArgs,
  round,
  rssMiB,
  sleep,
  slope,
  startExporter,
  startSimulator,
} from "./lib.mjs";

const options = parseArgs(process.argv.slice(2), {
  duration: "360",
  pollInterval: "100ms",
  scrapers: "4",
  sampleEvery: "10",
  items: "200",
  // New label sets per poll (and as many gone): by default every series is replaced every poll.
  churn: "200",
  json: "false",
  // A leak trend: post-GC heap growing faster than this after the warm-up (judged on windows
  // of two minutes or more; shorter ones are too noisy for a slope)...
  maxHeapGrowthMiBPerHour: "8",
  // ...or the median of the last third of the samples above that of the first third by more.
  maxHeapGrowthMiB: "2",
});
const durationMs = Number(options.duration) * 1000;
const sampleEveryMs = Number(options.sampleEvery) * 1000;

/** One scrape on a kept-alive connection; resolves with an error string, or undefined. */
function scrape(url, agent) {
  return new Promise((resolve) => {
    const req = request(`${url}/metrics`, { agent }, (res) => {
      let bytes = 0;
      res.on("data", (c) => {
        bytes += c.length;
      });
      res.on("end", () => {
        const expected = Number(res.headers["content-length"]);
        if (res.statusCode !== 200) resolve(`status ${res.statusCode}`);
        else if (bytes !== expected) resolve(`truncated (${bytes} of ${expected})`);
        else resolve(undefined);
      });
      res.on("error", (e) => resolve(String(e)));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("scrape timed out")));
    req.on("error", (e) => resolve(String(e)));
    req.end();
  });
}

const sim = await startSimulator({
  churnMs: 100,
  items: Number(options.items),
  churn: Number(options.churn),
  accessTokenSeconds: 5,
});
const exporter = await startExporter(sim.simulator, {
  pollInterval: options.pollInterval,
  gcHook: true,
  extraEnv: { REQUEST_TIMEOUT: "5s" },
});
const { Agent } = await import("node:http");
const agent = new Agent({ keepAlive: true, maxSockets: Number(options.scrapers) });
let scrapes = 0;
const scrapeErrors = [];
let running = true;
const scrapers = Array.from({ length: Number(options.scrapers) }, async () => {
  while (running) {
    const error = await scrape(exporter.url, agent);
    scrapes++;
    if (error !== undefined && scrapeErrors.length < 20) scrapeErrors.push(error);
  }
});

const started = Date.now();
const cpuStart = cpuSeconds(exporter.pid);
const samples = [];
while (Date.now() - started < durationMs && exporter.ended() === undefined) {
  await sleep(Math.min(sampleEveryMs, durationMs - (Date.now() - started)));
  const memory = await exporter.gcSample();
  if (memory === undefined) break; // the exporter has gone: reported below
  samples.push({
    t: (Date.now() - started) / 1000,
    heapUsedMiB: memory.heapUsed / MiB,
    rssMiB: memory.rss / MiB,
    polls: exporter.counts.pollsOk,
    scrapes,
  });
  if (options.json !== "true") {
    const s = samples.at(-1);
    console.log(
      `t=${round(s.t, 0)}s polls=${s.polls} scrapes=${s.scrapes} heap=${round(s.heapUsedMiB, 2)} MiB rss=${round(s.rssMiB)} MiB`,
    );
  }
}
running = false;
await Promise.all(scrapers);
agent.destroy();
const cpu = cpuSeconds(exporter.pid) - cpuStart;
const rssEnd = rssMiB(exporter.pid);
const exitCode = await exporter.stop();
await sim.stop();

if (samples.length === 0) {
  process.stdout.write(
    `${JSON.stringify({ ok: false, exitCode, exporterProblems: exporter.problems, scrapeErrors })}\n`,
  );
  process.exit(1);
}
// The first quarter is warm-up (JIT, caches, the first rotations); the trend is measured after.
const measured = samples.slice(Math.floor(samples.length / 4));
const hours = measured.map((s) => s.t / 3600);
const heapSlope = slope(
  hours,
  measured.map((s) => s.heapUsedMiB),
);
const rssSlope = slope(
  hours,
  measured.map((s) => s.rssMiB),
);
const first = measured[0];
const last = measured.at(-1);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const third = Math.max(1, Math.floor(measured.length / 3));
const heapGrowth =
  median(measured.slice(-third).map((s) => s.heapUsedMiB)) -
  median(measured.slice(0, third).map((s) => s.heapUsedMiB));
const windowS = last.t - first.t;
const leak =
  measured.length >= 3 &&
  ((windowS >= 120 && heapSlope > Number(options.maxHeapGrowthMiBPerHour)) ||
    heapGrowth > Number(options.maxHeapGrowthMiB));
const report = {
  node: process.version,
  durationS: round((Date.now() - started) / 1000, 0),
  pollInterval: options.pollInterval,
  itemsPerPoll: Number(options.items),
  polls: exporter.counts.pollsOk,
  pollsFailed: exporter.counts.pollsFailed,
  tokenRotations: sim.simulator.issuedRefreshTokens.length - 1,
  scrapes,
  scrapeErrors,
  exporterErrorLines: exporter.counts.errors,
  exporterProblems: exporter.problems,
  exporterCpuPercent: round((100 * cpu) / ((Date.now() - started) / 1000), 0),
  heapUsedMiB: {
    afterWarmup: round(first.heapUsedMiB, 2),
    end: round(last.heapUsedMiB, 2),
    min: round(Math.min(...measured.map((s) => s.heapUsedMiB)), 2),
    max: round(Math.max(...measured.map((s) => s.heapUsedMiB)), 2),
    slopeMiBPerHour: round(heapSlope, 2),
    growthMiB: round(heapGrowth, 2),
  },
  rssMiB: {
    afterWarmup: round(first.rssMiB),
    end: round(rssEnd),
    max: round(Math.max(...measured.map((s) => s.rssMiB))),
    slopeMiBPerHour: round(rssSlope, 1),
  },
  samples: samples.length,
  measuredWindowS: round(windowS, 0),
  leak,
  exitCode,
};
report.ok =
  !leak &&
  scrapeErrors.length === 0 &&
  report.pollsFailed === 0 &&
  report.exporterErrorLines === 0 &&
  report.polls > 0 &&
  exitCode === 0;
process.stdout.write(
  options.json === "true" ? `${JSON.stringify(report)}\n` : `${JSON.stringify(report, null, 2)}\n`,
);
process.exitCode = report.ok ? 0 : 1;
