// Idle footprint: the exporter with its default collector (partner-usage) against the simulator
// (in its own process), after start-up and a few hundred scrapes, beside the baseline (Node.js
// with Express, prom-client, pino and ky loaded: bench/servers/baseline.mjs), on one runtime.
// Usage: npm run build && node bench/idle.mjs [--node=/path/to/node] [--runs=3] [--scrapes=300]
//          [--flags=--opt1,--opt2]
// Prints JSON: RSS per run and the median of each. Talks only to 127.0.0.1.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProcess } from "./child.mjs";

const arg = (name, fallback) =>
  new RegExp(`--${name}=(\\S+)`).exec(process.argv.join(" "))?.[1] ?? fallback;
const node = arg("node", process.execPath);
const runs = Number(arg("runs", 3));
const scrapes = Number(arg("scrapes", 300));
// Node.js options for the exporter alone (the baseline runs without): e.g. --flags=--max-semi-space-size=1,--jitless
const flags = arg("flags", "").split(",").filter(Boolean);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Number(x.toFixed(1));

/** Requests `url` `count` times, one after another, and drains each body. */
async function hammer(url, count, headers = {}) {
  for (let i = 0; i < count; i++) await (await fetch(url, { headers })).arrayBuffer();
}

async function baselineRss() {
  const p = startProcess(here("./servers/baseline.mjs"), [], { node });
  try {
    const { port } = await p.waitFor(/port/);
    await hammer(`http://127.0.0.1:${port}/`, scrapes);
    await sleep(2_000);
    return rssMiB(p.child.pid);
  } finally {
    p.child.kill("SIGTERM");
  }
}

// One state dir for every run: the refresh token the simulator rotated is read back from it.
async function exporterRss(sim, stateDir) {
  const p = startProcess(here("../dist/src/cli.js"), ["--log.format=json"], {
    node,
    execArgv: flags,
    env: {
      AZURE_TENANT_ID: sim.tenantId,
      AZURE_CLIENT_ID: sim.clientId,
      AZURE_CLIENT_SECRET: sim.clientSecret,
      PARTNER_CENTER_REFRESH_TOKEN: sim.refreshToken,
      AZURE_AUTHORITY_HOST: sim.url,
      PARTNER_CENTER_URL: sim.url,
      STATE_DIR: stateDir,
      POLL_INTERVAL: "1h",
      WEB_LISTEN_ADDRESS: "127.0.0.1:0",
    },
  });
  try {
    const { url } = await p.waitFor(/partner-center-exporter listening/);
    await p.waitFor(/"msg":"poll succeeded"/);
    const afterStart = rssMiB(p.child.pid);
    await hammer(`${url}/metrics`, scrapes / 2);
    await hammer(`${url}/metrics`, scrapes / 2, { "Accept-Encoding": "gzip" });
    await sleep(2_000);
    return { afterStart, idle: rssMiB(p.child.pid) };
  } finally {
    p.child.kill("SIGTERM");
    await new Promise((resolve) => p.child.on("exit", resolve));
  }
}

const simProcess = startProcess(here("./servers/simulator.mjs"), ["50"]);
const stateDir = await mkdtemp(join(tmpdir(), "pce-idle-"));
try {
  const sim = await simProcess.waitFor(/"url"/);
  const baseline = [];
  const exporter = [];
  for (let i = 0; i < runs; i++) {
    baseline.push(await baselineRss());
    exporter.push(await exporterRss(sim, stateDir));
  }
  const version = startProcess(here("./servers/version.mjs"), [], { node });
  const { version: nodeVersion } = await version.waitFor(/version/);
  const idle = exporter.map((e) => e.idle);
  console.log(
    JSON.stringify({
      node: nodeVersion,
      exporterFlags: flags.join(" "),
      baselineMiB: baseline.map(round),
      exporterAfterStartMiB: exporter.map((e) => round(e.afterStart)),
      exporterIdleMiB: idle.map(round),
      medianBaselineMiB: round(median(baseline)),
      medianIdleMiB: round(median(idle)),
      overBaselineMiB: round(median(idle) - median(baseline)),
    }),
  );
} finally {
  simProcess.child.kill("SIGTERM");
  await rm(stateDir, { recursive: true, force: true });
}
