// What users would run instead: the same series served by the exporter, by Debian's
// prometheus-pushgateway (pushed with PUT) and by prometheus-node-exporter's textfile collector,
// scraped as Prometheus scrapes (gzip, OpenMetrics-first Accept), the servers alternating round
// after round. Prints req/s, p99, CPU per scrape and RSS for each, at demo size and (optionally)
// at a large poll's size.
// Usage: npm run build && node bench/peers.mjs [--customers=0] [--duration=5] [--rounds=3]
//          [--connections=10] [--json=false]
// --customers=N (N > 0): the exporter polls a simulator of N customers with both customer
// collectors instead of --demo (300k series at 25,000). Everything on 127.0.0.1.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProcess } from "./child.mjs";
import { parseArgs } from "./lib.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here("../dist/src/cli.js");
const AUTOCANNON = here("../node_modules/autocannon/autocannon.js");
const TICK = 100; // clock ticks per second (Linux)
/** What Prometheus 2.x and 3.x send by default (scrape_protocols: OpenMetrics first). */
const PROMETHEUS_HEADERS = {
  Accept:
    "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
  "Accept-Encoding": "gzip",
};
const args = parseArgs(process.argv.slice(2), {
  customers: "0",
  duration: "5",
  rounds: "3",
  connections: "10",
  json: "false",
});
const customers = Number(args.customers);

const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICK;
};
const rssMiB = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A Go peer: started on 127.0.0.1:0; its "Listening on" log line (stderr) names the port. */
function startGoPeer(binary, argv) {
  const child = spawn(binary, [...argv, "--web.listen-address=127.0.0.1:0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (c) => {
    log += c;
  });
  const url = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const port = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(log)?.[1];
      if (port !== undefined) {
        clearInterval(timer);
        resolve(`http://127.0.0.1:${port}`);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`${binary} exited: ${log.slice(-1000)}`));
      }
    }, 5);
  });
  child.on("error", (error) => {
    throw new Error(
      `${binary}: ${error.message} (the bench needs Debian's ${binary} package; the tests do not)`,
    );
  });
  return { child, url };
}

/** The exporter, in --demo or polling a simulator of `customers` customers; resolves once served. */
async function startExporter(dir) {
  if (customers === 0) {
    const exporter = startProcess(CLI, ["--demo", "--web.listen-address=127.0.0.1:0"], {
      env: { TMPDIR: dir },
      execArgv: ["--max-semi-space-size=1"],
    });
    const { url } = await exporter.waitFor(/partner-center-exporter listening/);
    await exporter.waitFor(/"msg":"poll succeeded"/);
    await exporter.waitFor(/"msg":"crawl complete"/);
    return { children: [exporter.child], url };
  }
  const sim = startProcess(here("./servers/simulator.mjs"), [String(customers)]);
  const s = await sim.waitFor(/"url"/);
  const exporter = startProcess(CLI, ["--web.listen-address=127.0.0.1:0"], {
    execArgv: ["--max-semi-space-size=1"],
    env: {
      AZURE_TENANT_ID: s.tenantId,
      AZURE_CLIENT_ID: s.clientId,
      AZURE_CLIENT_SECRET: s.clientSecret,
      PARTNER_CENTER_REFRESH_TOKEN: s.refreshToken,
      AZURE_AUTHORITY_HOST: s.url,
      PARTNER_CENTER_URL: s.url,
      STATE_DIR: dir,
      COLLECTORS: "customer-usage,customer-deployment",
      CUSTOMER_MAX_SERIES: "1000000",
      POLL_INTERVAL: "1h",
      LOG_FORMAT: "json",
    },
  });
  const { url } = await exporter.waitFor(/partner-center-exporter listening/);
  await exporter.waitFor(/"msg":"poll succeeded"/, 300_000);
  sim.child.kill("SIGTERM");
  return { children: [exporter.child], url };
}

/** The exporter's series without its own process metrics (each peer has its own). */
async function exporterSeries(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => !/^(# (HELP|TYPE) )?(process_|nodejs_)/.test(l))
    .join("\n");
}

function load(url, conns, seconds) {
  const headers = Object.entries(PROMETHEUS_HEADERS).flatMap(([k, v]) => ["-H", `${k}=${v}`]);
  const out = execFileSync(
    process.execPath,
    [AUTOCANNON, "-c", String(conns), "-d", String(seconds), ...headers, "--json", url],
    { maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] },
  );
  const r = JSON.parse(out.toString());
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + (r.non2xx ?? 0),
  };
}

const dir = mkdtempSync(join(tmpdir(), "pce-peers-"));
const children = [];
const problems = [];
try {
  const exporter = await startExporter(dir);
  children.push(...exporter.children);
  const series = `${await exporterSeries(exporter.url)}\n`;
  const seriesCount = series.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;

  const pushgateway = startGoPeer("prometheus-pushgateway", []);
  const textDir = join(dir, "textfile");
  execFileSync("mkdir", ["-p", textDir]);
  writeFileSync(join(textDir, "partner.prom.tmp"), series);
  renameSync(join(textDir, "partner.prom.tmp"), join(textDir, "partner.prom"));
  const nodeExporter = startGoPeer("prometheus-node-exporter", [
    "--collector.disable-defaults",
    "--collector.textfile",
    `--collector.textfile.directory=${textDir}`,
  ]);
  children.push(pushgateway.child, nodeExporter.child);
  const pushUrl = await pushgateway.url;
  const put = await fetch(`${pushUrl}/metrics/job/partner-center`, {
    method: "PUT",
    body: series,
    headers: { "Content-Type": "text/plain; version=0.0.4" },
  });
  if (!put.ok) problems.push(`pushgateway refused the push: ${put.status} ${await put.text()}`);

  const targets = [
    ["exporter", `${exporter.url}/metrics`, exporter.children[0].pid],
    ["pushgateway (PUT)", `${pushUrl}/metrics`, pushgateway.child.pid],
    ["node_exporter (textfile)", `${await nodeExporter.url}/metrics`, nodeExporter.child.pid],
  ];
  // Each peer serves every usage sample of the exporter (the pushgateway adds job and instance).
  const usageSamples = (text) => text.split("\n").filter((l) => l.startsWith("partner_")).length;
  for (const [name, url] of targets) {
    const served = usageSamples(await (await fetch(url)).text());
    if (served !== usageSamples(series))
      problems.push(`${name} serves ${served} partner_* samples, not ${usageSamples(series)}`);
  }

  const conns = Number(args.connections);
  const rows = new Map(targets.map(([name]) => [name, []]));
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const [name, url, pid] of round % 2 === 0 ? targets : [...targets].reverse()) {
      const cpu0 = cpuSeconds(pid);
      const r = load(url, conns, Number(args.duration));
      const cpuMs = ((cpuSeconds(pid) - cpu0) * 1000) / Math.max(1, r.requests);
      rows.get(name).push({ ...r, cpuMsPerScrape: cpuMs, rssMiB: rssMiB(pid) });
      if (r.errors > 0) problems.push(`${name}: ${r.errors} errors`);
    }
  }
  const summary = targets.map(([name]) => {
    const rs = rows.get(name);
    return {
      name,
      rps: median(rs.map((r) => r.rps)),
      p99: median(rs.map((r) => r.p99)),
      cpuMsPerScrape: median(rs.map((r) => r.cpuMsPerScrape)),
      rssMiB: Math.max(...rs.map((r) => r.rssMiB)),
    };
  });
  if (args.json === "true") {
    console.log(JSON.stringify({ series: seriesCount, customers, summary }));
  } else {
    const size = customers === 0 ? "--demo" : `${customers} customers`;
    console.log(
      `\n### Peers: ${seriesCount} series (${size}), scraped as Prometheus does (gzip, OpenMetrics first), ${conns} connections, ${args.duration}s x ${args.rounds} rounds, median round\n`,
    );
    console.log("| server | req/s | p99 ms | CPU ms per scrape | RSS MiB |");
    console.log("|---|---:|---:|---:|---:|");
    for (const s of summary) {
      console.log(
        `| ${s.name} | ${s.rps < 10 ? s.rps.toFixed(1) : Math.round(s.rps)} | ${s.p99} | ${s.cpuMsPerScrape.toFixed(3)} | ${s.rssMiB.toFixed(1)} |`,
      );
    }
    const best = Math.max(...summary.slice(1).map((s) => s.rps));
    const ratio =
      best > 0 ? `${(summary[0].rps / best).toFixed(1)}x` : "n/a (no Go peer finished a scrape)";
    console.log(`\nexporter / best Go peer, req/s: ${ratio} (goal: at least 2x at demo size)`);
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`\nProblems:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
