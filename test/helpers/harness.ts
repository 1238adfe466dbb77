import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import { type RunningExporter, startExporter } from "../../src/exporter/start-exporter.js";
import { type CapturedLogs, captureLogs } from "./log-sink.js";
import { PartnerCenterSimulator, type SimulatorOptions } from "./simulator.js";

export interface Harness {
  readonly simulator: PartnerCenterSimulator;
  readonly logs: CapturedLogs;
  readonly stateDir: string;
  /** The refresh token the exporter was configured with. */
  readonly configuredToken: string;
  exporter: RunningExporter;
  /** Stops the exporter and starts a new one on the same STATE_DIR (a restart). */
  restart(env?: Record<string, string>): Promise<RunningExporter>;
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/** Fast settings: polls are driven by the test (pollOnce), retries wait milliseconds. */
export const FAST_ENV: Record<string, string> = {
  POLL_INTERVAL: "1h",
  POLL_TIMEOUT: "5s",
  REQUEST_TIMEOUT: "400ms",
  MAX_RETRIES: "2",
  RETRY_BACKOFF: "10ms",
  MAX_RETRY_AFTER: "3s",
  WEB_LISTEN_ADDRESS: "127.0.0.1:0",
  LOG_LEVEL: "debug",
};

/** A simulator and an exporter pointed at it through real configuration, as an operator would. */
export async function startHarness(
  options: {
    simulator?: SimulatorOptions;
    env?: Record<string, string>;
    /** The usage endpoint's body, exactly, from the first poll on (setUsageBody). */
    usageBody?: string;
  } = {},
): Promise<Harness> {
  const simulator = new PartnerCenterSimulator(options.simulator);
  if (options.usageBody !== undefined) simulator.setUsageBody(options.usageBody);
  const url = await simulator.start();
  const stateDir = await mkdtemp(join(tmpdir(), "pce-test-"));
  const logs = captureLogs();
  const configuredToken = simulator.initialRefreshToken;
  const launch = async (extra: Record<string, string> = {}): Promise<RunningExporter> => {
    const result = loadConfig({
      argv: [],
      env: {
        ...FAST_ENV,
        AZURE_TENANT_ID: simulator.tenantId,
        AZURE_CLIENT_ID: simulator.clientId,
        AZURE_CLIENT_SECRET: simulator.clientSecret,
        PARTNER_CENTER_REFRESH_TOKEN: configuredToken,
        AZURE_AUTHORITY_HOST: url,
        PARTNER_CENTER_URL: url,
        STATE_DIR: stateDir,
        ...options.env,
        ...extra,
      },
      readFile: (path) => readFileSync(path, "utf8"),
    });
    if (result.kind !== "run") throw new Error(`bad test config: ${JSON.stringify(result)}`);
    const exporter = await startExporter(result.config, logs.logger, logs.scrubber, {});
    await exporter.poller.pollOnce();
    // A crawl collector's first crawl, started with the poller (none unless one is enabled).
    await exporter.poller.crawlOnce();
    return exporter;
  };
  const harness: Harness = {
    simulator,
    logs,
    stateDir,
    configuredToken,
    exporter: await launch(),
    async restart(env) {
      await harness.exporter.stop();
      harness.exporter = await launch(env);
      return harness.exporter;
    },
    async scrape() {
      const response = await fetch(`${harness.exporter.url}/metrics`);
      return response.text();
    },
    async close() {
      await harness.exporter.stop();
      await simulator.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The samples of one metric family from an exposition, as `{labels} value` lines. */
export function samplesOf(exposition: string, name: string): string[] {
  return exposition
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** The value of one sample, e.g. sampleValue(text, 'partner_center_up'). */
export function sampleValue(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A PartnerLicensesUsageInsights item as the API sends it; `extra` overrides or adds fields. */
export function usageItem(
  workload: string,
  value: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    proratedLicensesUsagePercent: value,
    workloadName: workload,
    processedDateTime: "2026-11-25T00:00:00+00:00",
    serviceName: "o365",
    channel: "reseller",
    attributes: { objectType: "PartnerLicensesUsageInsights" },
    ...extra,
  };
}
