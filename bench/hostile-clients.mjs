// Hostile scrapers against the built exporter in --demo (issue 19 section 3), all on 127.0.0.1:
//   unread flood: N connections each write 1000 pipelined `GET /metrics` and never read; the
//     exporter's peak RSS and a normal scrape's latency (fresh connection) while it lasts.
//   wrong-password flood: a web config with one bcrypt cost-10 user; N clients send random
//     passwords back to back; the latency of authenticated scrapes and of /healthz meanwhile.
// Usage: npm run build && node bench/hostile-clients.mjs [--flood=50,200] [--auth-flood=50]
//          [--seconds=8] [--json]
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { startProcess } from "./child.mjs";
import { CLI, parseArgs } from "./lib.mjs";

const args = parseArgs(process.argv.slice(2), {
  flood: "50,200",
  authFlood: "50",
  seconds: "8",
  json: "false",
});
const SECONDS = Number(args.seconds);
const PIPELINED = 1000;

function rssMiB(pid) {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return Math.round(kb / 1024);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** One GET on a fresh connection: ms until the whole body arrived (status must be 200). */
function timedGet(url, headers = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(url, { headers, agent: false, timeout: 60_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ ms: performance.now() - t0, status: res.statusCode }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ ms: performance.now() - t0, status: 0 }));
    req.end();
  });
}

async function startExporter(extraArgs = []) {
  const { child, waitFor } = startProcess(
    CLI,
    ["--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json", ...extraArgs],
    { execArgv: ["--max-semi-space-size=1"] },
  );
  const { url } = await waitFor(/partner-center-exporter listening/);
  await waitFor(/poll succeeded/);
  return { child, url };
}

/** Normal scrapes one after another until `until`; their latencies and statuses. */
async function probeUntil(url, until, headers) {
  const ms = [];
  let failed = 0;
  while (Date.now() < until) {
    const r = await timedGet(url, headers);
    if (r.status === 200) ms.push(r.ms);
    else failed++;
  }
  return { ms, failed };
}

async function unreadFlood(connections) {
  const { child, url } = await startExporter();
  const { port } = new URL(url);
  const sockets = [];
  const burst = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(PIPELINED);
  try {
    const rssBefore = rssMiB(child.pid);
    for (let i = 0; i < connections; i++) {
      const s = connect(Number(port), "127.0.0.1", () => s.write(burst));
      s.on("error", () => undefined);
      s.pause(); // never read
      sockets.push(s);
    }
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(child.pid));
    }, 100);
    const probes = await probeUntil(`${url}/metrics`, Date.now() + SECONDS * 1000);
    clearInterval(sampler);
    return {
      connections,
      rssBeforeMiB: rssBefore,
      peakRssMiB: peak,
      scrapeMedianMs: Math.round(median(probes.ms)),
      scrapeMaxMs: Math.round(Math.max(...probes.ms)),
      scrapes: probes.ms.length,
      scrapesFailed: probes.failed,
    };
  } finally {
    for (const s of sockets) s.destroy();
    child.kill("SIGTERM");
  }
}

async function wrongPasswordFlood(clients) {
  const dir = await mkdtemp(join(tmpdir(), "pce-bench-auth-"));
  const file = join(dir, "web.yml");
  writeFileSync(file, `basic_auth_users:\n  alice: ${bcrypt.hashSync("right", 10)}\n`);
  const { child, url } = await startExporter([`--web.config.file=${file}`]);
  const auth = (password) => ({
    Authorization: `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`,
  });
  let stop = false;
  const answers = new Map();
  const flooder = async () => {
    while (!stop) {
      const r = await timedGet(`${url}/metrics`, auth(randomBytes(9).toString("base64")));
      answers.set(r.status, (answers.get(r.status) ?? 0) + 1);
    }
  };
  try {
    const quiet = await probeUntil(`${url}/metrics`, Date.now() + 1000, auth("right"));
    const flooders = Array.from({ length: clients }, flooder);
    const until = Date.now() + SECONDS * 1000;
    const [scrapes, health] = await Promise.all([
      probeUntil(`${url}/metrics`, until, auth("right")),
      probeUntil(`${url}/healthz`, until, auth("right")),
    ]);
    stop = true;
    await Promise.all(flooders);
    return {
      clients,
      quietScrapeMedianMs: Math.round(median(quiet.ms)),
      scrapeMedianMs: Math.round(median(scrapes.ms)),
      scrapeMaxMs: Math.round(Math.max(...scrapes.ms)),
      healthzMedianMs: Math.round(median(health.ms)),
      failed: scrapes.failed + health.failed,
      floodAnswers: Object.fromEntries(answers),
    };
  } finally {
    stop = true;
    child.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
}

const list = (text) => (text === "" ? [] : text.split(",").map(Number));
const report = { unread: [], wrongPassword: [] };
for (const n of list(args.flood)) report.unread.push(await unreadFlood(n));
for (const n of list(args.authFlood)) report.wrongPassword.push(await wrongPasswordFlood(n));

if (args.json === "true") {
  console.log(JSON.stringify(report));
} else {
  console.log(`\n### Hostile clients (${SECONDS} s each)\n`);
  console.log("| flood | RSS before → peak | normal scrape median / max | scrapes (failed) |");
  console.log("|---|---:|---:|---:|");
  for (const r of report.unread) {
    console.log(
      `| ${r.connections} x ${PIPELINED} pipelined, unread | ${r.rssBeforeMiB} → ${r.peakRssMiB} MiB | ${r.scrapeMedianMs} / ${r.scrapeMaxMs} ms | ${r.scrapes} (${r.scrapesFailed}) |`,
    );
  }
  for (const r of report.wrongPassword) {
    console.log(
      `| ${r.clients} wrong-password clients | quiet scrape ${r.quietScrapeMedianMs} ms | authenticated scrape ${r.scrapeMedianMs} / ${r.scrapeMaxMs} ms, /healthz median ${r.healthzMedianMs} ms | (${r.failed}), flood answered ${JSON.stringify(r.floodAnswers)} |`,
    );
  }
}
