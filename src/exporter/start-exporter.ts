import { unwatchFile, watchFile } from "node:fs";
import type { Logger } from "pino";
import { Cleanup, type Step } from "../cleanup.js";
import type { Collector } from "../collectors/collector.js";
import { ALL_COLLECTORS } from "../collectors/index.js";
import { selectCollectors } from "../collectors/select.js";
import { formatDuration } from "../config/duration.js";
import { type Config, defaultStateDir } from "../config/load-config.js";
import { ListenError, type RunningServer, serve, WebConfigError } from "../http/server.js";
import type { SecretScrubber } from "../log/secret-scrubber.js";
import { ExporterMetrics } from "../metrics/exporter-metrics.js";
import type { PartnerCenterClient } from "../partner-center/client.js";
import { Poller } from "../poller/poller.js";
import { VERSION } from "../version.js";
import { StartupError } from "./startup-error.js";
import {
  clientCredential,
  openState,
  partnerCenterClient,
  type Secrets,
  secretSources,
} from "./upstream.js";

export { StartupError } from "./startup-error.js";

export interface RunningExporter {
  /** Base URL the exporter serves on. */
  readonly url: string;
  readonly metrics: ExporterMetrics;
  readonly poller: Poller;
  readonly stateDir: string;
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 5_000;
const SECRET_FILE_CHECK_MS = 5_000;

function chooseCollectors(config: Config): Collector[] {
  const { collectors, problems } = selectCollectors(ALL_COLLECTORS, config.collectors);
  if (problems.length > 0) throw new StartupError(problems.join("\n"));
  return collectors;
}

function buildPoller(
  config: Config,
  collectors: readonly Collector[],
  client: PartnerCenterClient,
  metrics: ExporterMetrics,
  logger: Logger,
): Poller {
  return new Poller({
    collectors,
    collectorOptions: config,
    client,
    intervalMs: config.poll.intervalMs,
    timeoutMs: config.poll.timeoutMs,
    sink: metrics,
    logger,
  });
}

/** The HTTP server; a bad web config or a busy address is the operator's to fix (one line). */
async function startServer(
  config: Config,
  metrics: ExporterMetrics,
  poller: Poller,
  logger: Logger,
): Promise<RunningServer> {
  const { listenAddresses, systemdSocket, telemetryPath, configFile } = config.web;
  try {
    return await serve({
      metrics,
      pollStatus: poller.status,
      telemetryPath,
      version: VERSION,
      logger,
      listen: listenAddresses,
      systemdSocket,
      env: process.env,
      webConfigFile: configFile,
      httpObserver: metrics.httpObserver,
    });
  } catch (error) {
    if (error instanceof WebConfigError || error instanceof ListenError) {
      throw new StartupError(error.message);
    }
    throw error;
  }
}

/**
 * A re-consented token or a new client secret dropped into a mounted file: if polls are failing,
 * try again now instead of at the next interval. Returns the step that stops watching.
 */
function watchSecretFiles(secrets: Secrets, poller: Poller, certificate?: string): Step {
  const { clientSecret, certificatePassword, configuredToken } = secrets;
  const paths = [clientSecret.path, certificatePassword.path, configuredToken.path, certificate];
  const watched = paths.filter((p): p is string => p !== undefined);
  for (const path of watched) {
    // The token provider re-reads the files itself when the poll asks it for a token.
    watchFile(path, { interval: SECRET_FILE_CHECK_MS, persistent: false }, () => {
      if (poller.status.lastPollOk === false) void poller.pollOnce();
    });
  }
  return () => {
    for (const path of watched) unwatchFile(path);
  };
}

interface Started {
  readonly config: Config;
  readonly server: RunningServer;
  readonly collectors: readonly Collector[];
  readonly stateDir: string;
}

function logListening(logger: Logger, { config, server, collectors, stateDir }: Started): void {
  const urls = server.urls.length > 1 ? { urls: server.urls } : {};
  logger.info(
    {
      url: server.url,
      ...urls,
      version: VERSION,
      pollInterval: formatDuration(config.poll.intervalMs),
      partnerCenter: config.partnerCenter.url,
      collectors: collectors.map((c) => c.name),
      stateDir,
    },
    "partner-center-exporter listening",
  );
}

/**
 * Wires config -> auth -> client -> poller -> metrics -> HTTP, and starts polling: each stage's
 * undo goes on one cleanup stack, run in reverse on a failed start or on stop.
 */
export async function startExporter(
  config: Config,
  logger: Logger,
  scrubber: SecretScrubber,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningExporter> {
  const cleanup = new Cleanup();
  try {
    const secrets = secretSources(config, scrubber);
    const credential = clientCredential(config, secrets, scrubber, logger);
    const stateDir = config.state.dir ?? defaultStateDir(env);
    const state = await openState(stateDir, secrets, logger);
    const collectors = chooseCollectors(config);
    const metrics = new ExporterMetrics({ collectors, version: VERSION });
    await metrics.initialize();
    const parts = { credential, secrets, state, metrics, logger, scrubber };
    const client = partnerCenterClient(config, parts);
    const poller = buildPoller(config, collectors, client, metrics, logger);
    const server = await startServer(config, metrics, poller, logger);
    cleanup.defer(() => server.close(SHUTDOWN_GRACE_MS));
    logListening(logger, { config, server, collectors, stateDir });
    poller.start();
    cleanup.defer(() => poller.stop());
    cleanup.defer(watchSecretFiles(secrets, poller, config.azure.clientCertificatePath));
    return { url: server.url, metrics, poller, stateDir, stop: () => cleanup.run() };
  } catch (error) {
    // The start-up failure is the one to report, not a failure while undoing it.
    await cleanup.run().catch(() => undefined);
    throw error;
  }
}
