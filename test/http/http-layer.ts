import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import type { AppOptions } from "../../src/http/app.js";
import { type RunningServer, serve } from "../../src/http/server.js";
import { ExporterMetrics } from "../../src/metrics/exporter-metrics.js";
import { PollStatus } from "../../src/poller/poll-status.js";
import { captureLogs } from "../helpers/log-sink.js";

/** The HTTP layer's options without a poller: every collector's metrics, never polled. */
export function httpLayerOptions(): AppOptions {
  return {
    metrics: new ExporterMetrics({
      collectors: ALL_COLLECTORS,
      version: "test",
      processMetrics: false,
    }),
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
