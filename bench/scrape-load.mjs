// Scrape load: many concurrent scrapers on /metrics for a sustained period, while the exporter
// (the built CLI, a child process) polls a churning simulator every second. Reports the latency
// distribution and fails (exit 1) on any error, timeout, non-2xx answer or failed poll.
//
// Usage: npm run build && node bench/scrape-load.mjs [--duration=30] [--connections=64]
//          [--scenario=both|plain|tls-auth] [--rate=0 (requests/s over all connections; 0: flat out)]
//          [--json]
// tls-auth serves over TLS with basic auth (a bcrypt cost-10 hash), certificates made by openssl.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import bcrypt from "bcryptjs";
import {
  cpuSeconds,
  parseArgs,
  round,
  rssMiB,
  sleep,
  startExporter,
  startSimulator,
} from "./lib.mjs";

const options = parseArgs(process.argv.slice(2), {
  duration: "30",
  connections: "64",
  scenario: "both",
  pollInterval: "1s",
  items: "60",
  rate: "0",
  json: "false",
});
const PASSWORD = "bench-scrape-password";

function webConfigForTlsAuth() {
  const dir = mkdtempSync(join(tmpdir(), "pce-bench-tls-"));
  const openssl = (...args) => {
    try {
      execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    } catch (error) {
      if (error.code === "ENOENT")
        throw new Error("openssl is not installed: apt-get install -y openssl");
      throw error;
    }
  };
  openssl(
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=localhost"],
    ...["-addext", "subjectAltName=IP:127.0.0.1"],
  );
  const file = join(dir, "web.yml");
  writeFileSync(
    file,
    [
      "tls_server_config:",
      "  cert_file: cert.pem",
      "  key_file: key.pem",
      "basic_auth_users:",
      `  prometheus: ${bcrypt.hashSync(PASSWORD, 10)}`,
      "",
    ].join("\n"),
  );
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function runScenario(name) {
  const sim = await startSimulator({
    churnMs: 1000,
    items: Number(options.items),
    churn: 7,
    accessTokenSeconds: 3600,
  });
  const web = name === "tls-auth" ? webConfigForTlsAuth() : undefined;
  const exporter = await startExporter(sim.simulator, {
    pollInterval: options.pollInterval,
    extraEnv: web ? { WEB_CONFIG_FILE: web.file } : {},
  });
  try {
    const headers = web
      ? { Authorization: `Basic ${Buffer.from(`prometheus:${PASSWORD}`).toString("base64")}` }
      : {};
    // Warm up (JIT, the bcrypt cache), then measure.
    await autocannon({ url: `${exporter.url}/metrics`, connections: 4, amount: 200, headers });
    const rssBefore = rssMiB(exporter.pid);
    const cpuBefore = cpuSeconds(exporter.pid);
    const pollsBefore = exporter.counts.pollsOk;
    const result = await autocannon({
      url: `${exporter.url}/metrics`,
      connections: Number(options.connections),
      duration: Number(options.duration),
      headers,
      ...(Number(options.rate) > 0 ? { overallRate: Number(options.rate) } : {}),
    });
    const cpu = cpuSeconds(exporter.pid) - cpuBefore;
    await sleep(100);
    const figures = {
      scenario: name,
      connections: result.connections,
      durationS: result.duration,
      requests: result.requests.total,
      requestsPerSec: round(result.requests.average, 0),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        p99_9: result.latency.p99_9,
        max: result.latency.max,
        mean: round(result.latency.mean, 2),
      },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      bytesPerScrape: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
      pollsDuringRun: exporter.counts.pollsOk - pollsBefore,
      pollsFailed: exporter.counts.pollsFailed,
      exporterErrorLines: exporter.counts.errors,
      exporterCpuPercent: round((100 * cpu) / result.duration, 0),
      rssBeforeMiB: round(rssBefore),
      rssAfterMiB: round(rssMiB(exporter.pid)),
      problems: exporter.problems,
    };
    figures.ok =
      figures.errors === 0 &&
      figures.timeouts === 0 &&
      figures.non2xx === 0 &&
      figures.pollsFailed === 0 &&
      figures.exporterErrorLines === 0 &&
      figures.pollsDuringRun > 0;
    figures.exitCode = await exporter.stop();
    figures.ok &&= figures.exitCode === 0;
    return figures;
  } finally {
    await sim.stop();
    web?.cleanup();
  }
}

const scenarios = options.scenario === "both" ? ["plain", "tls-auth"] : [options.scenario];
const results = [];
for (const name of scenarios) results.push(await runScenario(name));
const report = { node: process.version, cpus: (await import("node:os")).cpus().length, results };
if (options.json === "true") {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  for (const r of results) {
    console.log(
      `${r.scenario}: ${r.requests} scrapes in ${r.durationS}s with ${r.connections} connections (${r.requestsPerSec}/s), ` +
        `latency p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms; ` +
        `errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}; ${r.pollsDuringRun} polls, ${r.pollsFailed} failed; ` +
        `exporter CPU ${r.exporterCpuPercent}%, RSS ${r.rssBeforeMiB} -> ${r.rssAfterMiB} MiB; ${r.ok ? "OK" : "FAILED"}`,
    );
  }
  console.log(JSON.stringify(report, null, 2));
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
