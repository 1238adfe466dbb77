import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { AccessTokenProvider } from "./auth/access-token-provider.js";
import { chooseRefreshToken, RefreshTokenStore, sha256 } from "./auth/refresh-token-store.js";
import { TokenClient } from "./auth/token-client.js";
import { ALL_COLLECTORS } from "./collectors/index.js";
import { type Config, defaultStateDir } from "./config/load-config.js";
import { createApp, listen } from "./http/server.js";
import type { SecretScrubber } from "./log/secret-scrubber.js";
import { ExporterMetrics } from "./metrics/exporter-metrics.js";
import { PartnerCenterClient } from "./partner-center/client.js";
import { Poller } from "./poller/poller.js";
import { PartnerCenterSimulator } from "./simulator/simulator.js";
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
  scrubber.add(config.clientSecret);
  scrubber.add(config.refreshToken);

  const stateDir = config.stateDir ?? defaultStateDir(env);
  const store = new RefreshTokenStore(stateDir);
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await store.removeLeftovers();
  } catch (error) {
    logger.error(
      { stateDir, code: (error as NodeJS.ErrnoException).code },
      "STATE_DIR cannot be created: rotated refresh tokens will live only in memory",
    );
  }
  const stored = await store.load();
  if (stored.kind === "unreadable") logger.warn({ stateDir }, stored.problem);
  const chosen = chooseRefreshToken(
    config.refreshToken,
    stored.kind === "found" ? stored.token : undefined,
  );
  if (chosen === undefined) {
    await simulator?.stop();
    throw new StartupError(
      `PARTNER_CENTER_REFRESH_TOKEN (--partner-center.refresh-token): required (set it or PARTNER_CENTER_REFRESH_TOKEN_FILE; STATE_DIR ${stateDir} holds no persisted token)`,
    );
  }
  if (chosen.source === "persisted") {
    logger.info({ path: store.path }, "using the persisted (rotated) refresh token");
  } else if (stored.kind === "found") {
    logger.info("the configured refresh token changed since the last run; using it");
  }

  const metrics = new ExporterMetrics({ collectors: ALL_COLLECTORS, version: VERSION });
  const tokenClient = new TokenClient({
    authorityHost: config.authorityHost,
    tenantId: config.tenantId,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    requestTimeoutMs: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    retryBackoffMs: config.retryBackoffMs,
    userAgent: USER_AGENT,
  });
  const tokens = new AccessTokenProvider({
    client: tokenClient,
    store,
    refreshToken: chosen.token,
    configuredSha256:
      config.refreshToken !== undefined
        ? sha256(config.refreshToken)
        : stored.kind === "found"
          ? stored.token.configuredSha256
          : undefined,
    logger,
    scrubber,
    observer: metrics.tokenObserver,
  });
  const client = new PartnerCenterClient({
    baseUrl: config.partnerCenterUrl,
    locale: config.locale,
    userAgent: USER_AGENT,
    requestTimeoutMs: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    retryBackoffMs: config.retryBackoffMs,
    maxRetryAfterMs: config.maxRetryAfterMs,
    tokens,
    observer: metrics.apiObserver,
    logger,
  });
  const poller = new Poller({
    collectors: ALL_COLLECTORS,
    client,
    intervalMs: config.pollIntervalMs,
    timeoutMs: config.pollTimeoutMs,
    sink: metrics,
    logger,
  });
  const app = createApp({ metrics, telemetryPath: config.telemetryPath, version: VERSION, logger });
  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(app, config.listen);
  } catch (error) {
    await simulator?.stop();
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new StartupError(
      `WEB_LISTEN_ADDRESS (--web.listen-address): cannot listen on ${config.listen.host ?? ""}:${config.listen.port} (${code})`,
    );
  }
  logger.info(
    {
      url: server.url,
      version: VERSION,
      pollInterval: `${config.pollIntervalMs}ms`,
      partnerCenter: config.partnerCenterUrl,
      stateDir,
    },
    "partner-center-exporter listening",
  );
  poller.start();

  return {
    url: server.url,
    metrics,
    poller,
    stateDir,
    simulator,
    async stop() {
      await poller.stop();
      await server.close(SHUTDOWN_GRACE_MS);
      await simulator?.stop();
    },
  };
}
