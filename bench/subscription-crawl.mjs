// The renewals crawl at scale: customer-subscriptions over 25,000 customers with 4 subscription
// items each (about 94k exported subscriptions, 7 families), unpaced (bench/servers/
// exporter-unpaced.mjs), the simulator in its own process. Measures the crawl (start to "crawl
// complete"), the exporter's CPU per 1,000 customers, its peak RSS, the /metrics size once served,
// and /healthz latency requested back to back during the crawl (event-loop stalls).
// --pace=N: the crawl as it runs for real instead, the built CLI at N requests a minute (1 to 500;
// 25,000 customers take 50 minutes at 500), without the probe: its peak RSS (docs/deploy.md).
// Usage: npm run build && node bench/subscription-crawl.mjs [--customers=25000] [--pace=500]
// Talks only to 127.0.0.1.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProcess } from "./child.mjs";
import { CLI, cpuSeconds, latencyProbe, peakRssMiB, round } from "./lib.mjs";

const customers = Number(/--customers=(\d+)/.exec(process.argv.join(" "))?.[1] ?? 25000);
const pace = /--pace=(\d+)/.exec(process.argv.join(" "))?.[1];
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

const sim = startProcess(here("./servers/simulator.mjs"), [String(customers)]);
const simulator = await sim.waitFor(/"url"/);
const stateDir = await mkdtemp(join(tmpdir(), "pce-crawl-"));
const server = pace === undefined ? here("./servers/exporter-unpaced.mjs") : CLI;
const exporter = startProcess(server, ["--log.format=json"], {
  execArgv: (process.env.PCE_BENCH_EXEC_ARGV ?? "").split(" ").filter(Boolean),
  env: {
    AZURE_TENANT_ID: simulator.tenantId,
    AZURE_CLIENT_ID: simulator.clientId,
    AZURE_CLIENT_SECRET: simulator.clientSecret,
    PARTNER_CENTER_REFRESH_TOKEN: simulator.refreshToken,
    AZURE_AUTHORITY_HOST: simulator.url,
    PARTNER_CENTER_URL: simulator.url,
    STATE_DIR: stateDir,
    COLLECTORS: "customer-subscriptions",
    ...(pace === undefined ? {} : { SUBSCRIPTIONS_REQUESTS_PER_MINUTE: pace }),
    CUSTOMER_MAX_SERIES: "1000000",
    POLL_INTERVAL: "24h",
    WEB_LISTEN_ADDRESS: "127.0.0.1:0",
  },
});
const { child, waitFor } = exporter;
try {
  const listening = await waitFor(/partner-center-exporter listening/, 20_000);
  const cpuAtStart = cpuSeconds(child.pid);
  const started = Date.now();
  const probe = pace === undefined ? latencyProbe(`${listening.url}/healthz`) : undefined;
  const done = await waitFor(/"msg":"crawl (complete|failed)/, 7_200_000);
  const crawlWallMs = Date.now() - started;
  const probeDuringCrawl = await probe?.stop();
  const cpu = cpuSeconds(child.pid) - cpuAtStart;
  const text = await (await fetch(`${listening.url}/metrics`)).text();
  const subscriptions = text
    .split("\n")
    .filter((l) => l.startsWith("partner_customer_subscription_info{")).length;
  console.log(
    JSON.stringify(
      {
        customers,
        pace: pace === undefined ? "unpaced" : Number(pace),
        crawlOk: done.msg === "crawl complete",
        failed: done.failed,
        subscriptions,
        crawlWallMs,
        exporterCpuSeconds: round(cpu, 2),
        cpuPer1000CustomersSeconds: round((cpu * 1000) / customers, 3),
        peakRssMiB: round(peakRssMiB(child.pid)),
        metricsBytes: Buffer.byteLength(text),
        probeDuringCrawl,
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
