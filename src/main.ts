import { unwatchFile, watchFile } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { AccessTokenProvider } from "./auth/access-token-provider.js";
import { TokenClient } from "./auth/token-client.js";
import { openTokenState } from "./auth/token-state.js";
import { ALL_COLLECTORS } from "./collectors/index.js";
import { selectCollectors } from "./collectors/select.js";
import { type Config, defaultStateDir } from "./config/load-config.js";
import { SecretSource } from "./config/secret-source.js";
import { ListenError, type RunningServer, serve, WebConfigError } from "./http/server.js";
import type { SecretScrubber } from "./log/secret-scrubber.js";
import { ExporterMetrics } from "./metrics/exporter-metrics.js";
import { httpPolicy } from "./net/exchange.js";
import { PartnerCenterClient } from "./partner-center/client.js";
import { Poller } from "./poller/poller.js";
import type { PartnerCenterSimulator } from "./simulator/simulator.js";
import { USER_AGENT, VERSION } from "./version.js";

export interface RunningExporter {
  /** Base URL the exporter serves on. */
  readonly url: string;
  readonly metrics: ExporterMetrics;
  readonly poller: Poller;
  readonly stateDir: string;
  readonly simulator: PartnerCenterSimulator | undefined;
  stop(): Promise<void>;
}

/** A start-up problem the operator must fix; the CLI prints it as one line. */
export class StartupError extends Error {
  override name = "StartupError";
}

const SHUTDOWN_GRACE_MS = 5_000;
const SECRET_FILE_CHECK_MS = 5_000;

/** Wires config -> auth -> client -> poller -> metrics -> HTTP, and starts polling. */
export async function startExporter(
  baseConfig: Config,
  logger: Logger,
  scrubber: SecretScrubber,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningExporter> {
  let config = baseConfig;
  let simulator: PartnerCenterSimulator | undefined;
  if (config.demo) {
    // Loaded only in --demo: a real deployment never carries the simulator in memory.
    const { PartnerCenterSimulator } = await import("./simulator/simulator.js");
    // Every real-world quirk on (BOM included), so the default path exercises them each time.
    simulator = new PartnerCenterSimulator();
    const url = await simulator.start();
    config = {
      ...config,
      tenantId: simulator.tenantId,
      clientId: simulator.clientId,
      clientSecret: simulator.clientSecret,
      refreshToken: simulator.initialRefreshToken,
      authorityHost: url,
      partnerCenterUrl: url,
      stateDir: config.stateDir ?? (await mkdtemp(join(tmpdir(), "partner-center-exporter-demo-"))),
    };
    logger.info({ simulator: url }, "demo mode: polling the built-in Partner Center simulator");
  }
  const clientSecret = new SecretSource(config.clientSecret, config.secretFiles.clientSecret, (v) =>
    scrubber.add(v),
  );
  const configuredToken = new SecretSource(
    config.refreshToken,
    config.secretFiles.refreshToken,
    (v) => scrubber.add(v),
  );

  const stateDir = config.stateDir ?? defaultStateDir(env);
  const state = await openTokenState(stateDir, configuredToken.current(), logger);
  if (state.refreshToken === undefined) {
    await simulator?.stop();
    throw new StartupError(
      `PARTNER_CENTER_REFRESH_TOKEN (--partner-center.refresh-token): required (set it or PARTNER_CENTER_REFRESH_TOKEN_FILE, or run partner-center-exporter login; STATE_DIR ${stateDir} holds no persisted token)`,
    );
  }

  const { collectors, problems } = selectCollectors(ALL_COLLECTORS, config.collectors, config.demo);
  if (problems.length > 0) {
    await simulator?.stop();
    throw new StartupError(problems.join("\n"));
  }
  const metrics = new ExporterMetrics({ collectors, version: VERSION });
  await metrics.initialize();
  // One HTTP policy (timeouts, retries, backoff, user agent) for the authority and the API.
  const http = httpPolicy(config, USER_AGENT);
  const tokenClient = new TokenClient({
    authorityHost: config.authorityHost,
    tenantId: config.tenantId,
    clientId: config.clientId,
    clientSecret: () => clientSecret.current(),
    resource: config.resource,
    ...http,
  });
  const tokens = new AccessTokenProvider({
    client: tokenClient,
    store: state.store,
    refreshToken: state.refreshToken,
    refreshTokenIssuedAt: state.issuedAt,
    configuredSha256: state.configuredSha256,
    configuredRefreshToken: () => configuredToken.current(),
    clientSecret: () => clientSecret.current(),
    logger,
    scrubber,
    observer: metrics.tokenObserver,
  });
  const client = new PartnerCenterClient({
    baseUrl: config.partnerCenterUrl,
    locale: config.locale,
    ...http,
    tokens,
    observer: metrics.apiObserver,
    logger,
  });
  const poller = new Poller({
    collectors,
    collectorOptions: {
      customerGroupBy: config.customerGroupBy,
      customerFilter: config.customerFilter,
      customerMaxSeries: config.customerMaxSeries,
      customerPageSize: config.customerPageSize,
    },
    client,
    intervalMs: config.pollIntervalMs,
    timeoutMs: config.pollTimeoutMs,
    sink: metrics,
    logger,
  });
  let server: RunningServer;
  try {
    server = await serve({
      metrics,
      pollStatus: poller.status,
      telemetryPath: config.telemetryPath,
      version: VERSION,
      logger,
      listen: config.listenAddresses,
      systemdSocket: config.systemdSocket,
      env: process.env,
      webConfigFile: config.webConfigFile,
    });
  } catch (error) {
    await simulator?.stop();
    if (error instanceof WebConfigError || error instanceof ListenError) {
      throw new StartupError(error.message);
    }
    throw error;
  }
  logger.info(
    {
      url: server.url,
      ...(server.urls.length > 1 ? { urls: server.urls } : {}),
      version: VERSION,
      pollInterval: `${config.pollIntervalMs}ms`,
      partnerCenter: config.partnerCenterUrl,
      collectors: collectors.map((c) => c.name),
      stateDir,
    },
    "partner-center-exporter listening",
  );
  poller.start();
  // A re-consented token or a new client secret dropped into a mounted file: if polls are failing,
  // try again now instead of at the next interval.
  const watched = [clientSecret.path, configuredToken.path].filter(
    (p): p is string => p !== undefined,
  );
  for (const path of watched) {
    // The token provider re-reads the files itself when the poll asks it for a token.
    watchFile(path, { interval: SECRET_FILE_CHECK_MS, persistent: false }, () => {
      if (poller.status.lastPollOk === false) void poller.pollOnce();
    });
  }

  return {
    url: server.url,
    metrics,
    poller,
    stateDir,
    simulator,
    async stop() {
      for (const path of watched) unwatchFile(path);
      await poller.stop();
      await server.close(SHUTDOWN_GRACE_MS);
      await simulator?.stop();
    },
  };
}
