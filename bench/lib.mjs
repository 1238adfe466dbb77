// Shared by bench/scrape-load.mjs and bench/soak.mjs: a churning simulator in this process, the
// built exporter as a child process (as deployed), and small measuring helpers.
// Everything talks to 127.0.0.1 only.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PartnerCenterSimulator } from "../dist/simulator/simulator.js";

export const CLI = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));
export const GC_HOOK = fileURLToPath(new URL("./gc-hook.mjs", import.meta.url));

/** `--name=value` flags into an object (numbers stay strings; callers convert). */
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new Error(`unknown argument ${arg}`);
    const key = match[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown flag --${match[1]}`);
    out[key] = match[2] ?? "true";
  }
  return out;
}

/**
 * Usage items whose label sets churn: each generation drops `churn` workloads and adds as many
 * new ones, with fresh values, so series appear and disappear on every poll.
 */
export function churningItems(generation, count, churn = 7) {
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  const processedDateTime = day.toISOString();
  return Array.from({ length: count }, (_, i) => {
    const id = generation * churn + i;
    return {
      proratedLicensesUsagePercent: Math.round(Math.random() * 12000) / 100,
      workloadName: `Workload ${id} "quoted" \\ ünïcode`,
      processedDateTime,
      serviceName: i % 2 === 0 ? "o365" : "crm",
      channel: i % 3 === 0 ? "direct" : "reseller",
      attributes: { objectType: "PartnerLicensesUsageInsights" },
    };
  });
}

/** A simulator whose data changes every `churnMs` (0: the demo data, unchanged). */
export async function startSimulator({ churnMs, items, churn, accessTokenSeconds }) {
  const simulator = new PartnerCenterSimulator({ accessTokenLifetimeSeconds: accessTokenSeconds });
  await simulator.start();
  let generation = 0;
  let timer;
  if (churnMs > 0) {
    const next = () => simulator.setUsageItems(churningItems(generation++, items, churn));
    next();
    timer = setInterval(next, churnMs);
  }
  return {
    simulator,
    async stop() {
      clearInterval(timer);
      await simulator.stop();
    },
  };
}

/**
 * Starts `node dist/src/cli.js` against the simulator. With `gcHook`, SIGUSR2 makes it collect
 * garbage and print its memory on stderr (bench/gc-hook.mjs), for leak measurements.
 */
export async function startExporter(simulator, { pollInterval, extraEnv = {}, gcHook = false }) {
  const stateDir = await mkdtemp(join(tmpdir(), "pce-bench-"));
  const args = [
    ...(gcHook ? ["--expose-gc", "--import", GC_HOOK] : []),
    CLI,
    "--web.listen-address=127.0.0.1:0",
    "--log.format=json",
  ];
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? "",
      AZURE_TENANT_ID: simulator.tenantId,
      AZURE_CLIENT_ID: simulator.clientId,
      AZURE_CLIENT_SECRET: simulator.clientSecret,
      PARTNER_CENTER_REFRESH_TOKEN: simulator.initialRefreshToken,
      AZURE_AUTHORITY_HOST: simulator.url,
      PARTNER_CENTER_URL: simulator.url,
      STATE_DIR: stateDir,
      POLL_INTERVAL: pollInterval,
      LOG_LEVEL: "info",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const counts = { pollsOk: 0, pollsFailed: 0, warnings: 0, errors: 0 };
  const problems = [];
  const memory = [];
  let url;
  let pending = "";
  child.stdout.on("data", (chunk) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line);
      if (entry.msg === "partner-center-exporter listening") url = entry.url;
      if (entry.msg === "poll succeeded") counts.pollsOk++;
      if (entry.msg === "poll failed") counts.pollsFailed++;
      if (entry.level === "warn") counts.warnings++;
      if (entry.level === "error") {
        counts.errors++;
        if (problems.length < 10) problems.push(line);
      }
    }
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk.toString();
    const lines = stderr.split("\n");
    stderr = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith('{"gcSample"')) memory.push(JSON.parse(line).gcSample);
      else if (line.trim() !== "" && problems.length < 10) problems.push(line);
    }
  });
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (url === undefined || counts.pollsOk === 0) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`the exporter did not start: ${problems.join("\n")}`);
    }
    await sleep(20);
  }
  return {
    url,
    pid: child.pid,
    counts,
    problems,
    memory,
    /** undefined while running; the exit code or signal once it ended. */
    ended: () => child.exitCode ?? child.signalCode ?? undefined,
    /** Forces a GC in the exporter and resolves with its memory right after. */
    async gcSample() {
      const before = memory.length;
      child.kill("SIGUSR2");
      const until = Date.now() + 5_000;
      while (memory.length === before && Date.now() < until) await sleep(10);
      return memory.length > before ? memory.at(-1) : undefined;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        await rm(stateDir, { recursive: true, force: true });
        return `ended early: ${child.exitCode ?? child.signalCode}`;
      }
      child.kill("SIGTERM");
      const code = await exited;
      await rm(stateDir, { recursive: true, force: true });
      return code;
    },
  };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The process's resident memory, from /proc; NaN once it has gone. */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** The process's peak resident memory (VmHWM), from /proc; NaN once it has gone. */
export function peakRssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * GETs `url` back to back until stop() (event-loop stalls show as latency); stop() resolves
 * with the count, p50, p99 and max in milliseconds.
 */
export function latencyProbe(url) {
  const latencies = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await (await fetch(url)).text();
      latencies.push(performance.now() - t0);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      latencies.sort((a, b) => a - b);
      const at = (p) =>
        round(
          latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0,
        );
      return {
        count: latencies.length,
        p50Ms: at(50),
        p99Ms: at(99),
        maxMs: round(latencies.at(-1) ?? 0),
      };
    },
  };
}

/** CPU seconds (user + system) the process has used, from /proc; NaN once it has gone. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Least-squares slope of ys over xs. */
export function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const MiB = 1024 * 1024;
