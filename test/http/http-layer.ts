import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import type { AppOptions } from "../../src/http/app.js";
import { type RunningServer, serve } from "../../src/http/server.js";
import { ExporterMetrics } from "../../src/metrics/exporter-metrics.js";
import type { HttpObserver } from "../../src/metrics/http-recorder.js";
import { PollStatus } from "../../src/poller/poll-status.js";
import { type CapturedLogs, captureLogs } from "../helpers/log-sink.js";

/** The HTTP layer's options without a poller: every collector's metrics, never polled. */
export function httpLayerOptions(): AppOptions & {
  readonly metrics: ExporterMetrics;
  readonly httpObserver: HttpObserver;
} {
  const metrics = new ExporterMetrics({
    collectors: ALL_COLLECTORS,
    version: "test",
    processMetrics: false,
  });
  return {
    metrics,
    httpObserver: metrics.httpObserver,
    // Nothing polled yet: not ready.
    pollStatus: new PollStatus(),
    telemetryPath: "/metrics",
    version: "test",
    logger: captureLogs().logger,
  };
}

/** The HTTP layer alone on 127.0.0.1 (a free port), with that web config file. */
export function serveHttpLayer(
  webConfigFile: string | undefined,
  extra: Partial<Parameters<typeof serve>[0]> = {},
): Promise<RunningServer> {
  return serve({
    ...httpLayerOptions(),
    listen: [{ host: "127.0.0.1", port: 0 }],
    webConfigFile,
    ...extra,
  });
}

/** The HTTP layer alone, with its metrics and its log lines at hand. */
export async function serveObserved(
  webConfigFile: string | undefined,
  extra: Partial<Parameters<typeof serve>[0]> = {},
): Promise<{ server: RunningServer; metrics: ExporterMetrics; logs: CapturedLogs }> {
  const logs = captureLogs();
  const options = httpLayerOptions();
  const server = await serve({
    ...options,
    logger: logs.logger,
    listen: [{ host: "127.0.0.1", port: 0 }],
    webConfigFile,
    ...extra,
  });
  return { server, metrics: options.metrics, logs };
}

/** A counter's value in the HTTP layer's own /metrics, by its series as written there. */
export async function counterValue(metrics: ExporterMetrics, series: string): Promise<number> {
  const text = (await (await metrics.body(false, false)).bytes()).toString();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1));
}
