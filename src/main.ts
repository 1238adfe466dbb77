import { unwatchFile, watchFile } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { AccessTokenProvider } from "./auth/access-token-provider.js";
import { type ClientCredential, CredentialError } from "./auth/client-credential.js";
import { createClientCredential } from "./auth/create-client-credential.js";
import { TokenClient } from "./auth/token-client.js";
import { openTokenState, type TokenState } from "./auth/token-state.js";
import { Cleanup, type Step } from "./cleanup.js";
import type { Collector } from "./collectors/collector.js";
import { ALL_COLLECTORS } from "./collectors/index.js";
import { selectCollectors } from "./collectors/select.js";
import { type Config, defaultStateDir } from "./config/load-config.js";
import { SecretSource } from "./config/secret-source.js";
import { ListenError, type RunningServer, serve, WebConfigError } from "./http/server.js";
import type { SecretScrubber } from "./log/secret-scrubber.js";
import { ExporterMetrics } from "./metrics/exporter-metrics.js";
import { httpPolicy } from "./net/exchange.js";
import { type ProxySettings, proxyCredentials, proxyName } from "./net/proxy.js";
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

interface Upstream {
  readonly config: Config;
  readonly simulator: PartnerCenterSimulator | undefined;
}

/** In --demo, the built-in simulator, and the config pointed at it; otherwise the config as is. */
async function startUpstream(config: Config, logger: Logger, cleanup: Cleanup): Promise<Upstream> {
  if (!config.demo) return { config, simulator: undefined };
  // Loaded only in --demo: a real deployment never carries the simulator in memory.
  const { PartnerCenterSimulator } = await import("./simulator/simulator.js");
  // Every real-world quirk on (BOM included), so the default path exercises them each time.
  const simulator = new PartnerCenterSimulator();
  const url = await simulator.start();
  cleanup.defer(() => simulator.stop());
  logger.info({ simulator: url }, "demo mode: polling the built-in Partner Center simulator");
  const { tenantId, clientId, clientSecret, initialRefreshToken } = simulator;
  const dir = config.state.dir ?? (await mkdtemp(join(tmpdir(), "partner-center-exporter-demo-")));
  return {
    simulator,
    config: {
      ...config,
      azure: {
        ...config.azure,
        ...{ tenantId, clientId, clientSecret, authorityHost: url },
        // The simulator's app signs in with its secret; another configured credential is ignored.
        ...{ clientCertificatePath: undefined, federatedTokenFile: undefined },
      },
      partnerCenter: { ...config.partnerCenter, refreshToken: initialRefreshToken, url },
      state: { ...config.state, dir },
    },
  };
}

/** The token state once a refresh token is known. */
type StartState = TokenState & { readonly refreshToken: string };

interface Secrets {
  readonly clientSecret: SecretSource;
  readonly certificatePassword: SecretSource;
  readonly configuredToken: SecretSource;
}

/** The secrets as configured, each file re-read when it changes; every value goes to the scrubber. */
function secretSources(config: Config, scrubber: SecretScrubber): Secrets {
  const scrub = (value: string): void => scrubber.add(value);
  for (const credential of proxyCredentials(config.proxy)) scrub(credential);
  const { secretFiles } = config;
  return {
    clientSecret: new SecretSource(config.azure.clientSecret, secretFiles.clientSecret, scrub),
    certificatePassword: new SecretSource(
      config.azure.clientCertificatePassword,
      secretFiles.clientCertificatePassword,
      scrub,
    ),
    configuredToken: new SecretSource(
      config.partnerCenter.refreshToken,
      secretFiles.refreshToken,
      scrub,
    ),
  };
}

/** STATE_DIR and the refresh token to start with: the persisted one or the configured one. */
async function openState(stateDir: string, secrets: Secrets, logger: Logger): Promise<StartState> {
  const state = await openTokenState(stateDir, secrets.configuredToken.current(), logger);
  const { refreshToken } = state;
  if (refreshToken !== undefined) return { ...state, refreshToken };
  throw new StartupError(
    `PARTNER_CENTER_REFRESH_TOKEN (--partner-center.refresh-token): required (set it or PARTNER_CENTER_REFRESH_TOKEN_FILE, or run partner-center-exporter login; STATE_DIR ${stateDir} holds no persisted token)`,
  );
}

function chooseCollectors(config: Config): Collector[] {
  const { collectors, problems } = selectCollectors(ALL_COLLECTORS, config.collectors, config.demo);
  if (problems.length > 0) throw new StartupError(problems.join("\n"));
  return collectors;
}

/**
 * The one client credential configured (secret, certificate or federated token); a certificate or
 * token file that cannot be used now is the operator's to fix (one line, exit 2).
 */
function clientCredential(
  config: Config,
  secrets: Secrets,
  scrubber: SecretScrubber,
  logger: Logger,
): ClientCredential | undefined {
  const { clientId, clientSecret, clientCertificatePath, federatedTokenFile } = config.azure;
  try {
    return createClientCredential(
      {
        clientId,
        clientSecret: clientSecret === undefined ? undefined : () => secrets.clientSecret.current(),
        certificatePath: clientCertificatePath,
        certificatePassword: () => secrets.certificatePassword.current(),
        federatedTokenFile,
      },
      scrubber,
      (problem) => logger.warn(problem),
    );
  } catch (error) {
    if (error instanceof CredentialError) throw new StartupError(error.message);
    throw error;
  }
}

interface ClientParts {
  readonly credential: ClientCredential | undefined;
  readonly secrets: Secrets;
  readonly state: StartState;
  readonly metrics: ExporterMetrics;
  readonly logger: Logger;
  readonly scrubber: SecretScrubber;
}

/** Says which proxies outbound requests use (host and port only: never the credentials). */
function logProxies(proxy: ProxySettings, logger: Logger): void {
  const name = (url: string | undefined) => (url ? proxyName(new URL(url)) : undefined);
  const https = name(proxy.https);
  const http = name(proxy.http);
  if (https === undefined && http === undefined) return;
  logger.info({ https, http, noProxy: proxy.noProxy }, "outbound requests go through a proxy");
}

/** The token authority and the API behind one HTTP policy (timeouts, retries, user agent). */
function partnerCenterClient(config: Config, parts: ClientParts): PartnerCenterClient {
  const { credential, secrets, state, metrics, logger, scrubber } = parts;
  const http = httpPolicy(config.partnerCenter, USER_AGENT, config.proxy);
  logProxies(config.proxy, logger);
  const { authorityHost, tenantId, clientId, resource } = config.azure;
  const tokenClient = new TokenClient({
    authorityHost,
    tenantId,
    clientId,
    ...(credential !== undefined ? { credential } : {}),
    resource,
    ...http,
  });
  const tokens = new AccessTokenProvider({
    client: tokenClient,
    store: state.store,
    refreshToken: state.refreshToken,
    refreshTokenIssuedAt: state.issuedAt,
    configuredSha256: state.configuredSha256,
    configuredRefreshToken: () => secrets.configuredToken.current(),
    credentialFingerprint: () => credential?.fingerprint(),
    logger,
    scrubber,
    observer: metrics.tokenObserver,
  });
  return new PartnerCenterClient({
    baseUrl: config.partnerCenter.url,
    locale: config.partnerCenter.locale,
    ...http,
    tokens,
    observer: metrics.apiObserver,
    logger,
  });
}

function buildPoller(
  config: Config,
  collectors: readonly Collector[],
  client: PartnerCenterClient,
  metrics: ExporterMetrics,
  logger: Logger,
): Poller {
  const { groupBy, filter, maxSeries, pageSize } = config.customer;
  return new Poller({
    collectors,
    collectorOptions: {
      customerGroupBy: groupBy,
      customerFilter: filter,
      customerMaxSeries: maxSeries,
      customerPageSize: pageSize,
    },
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
      pollInterval: `${config.poll.intervalMs}ms`,
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
  baseConfig: Config,
  logger: Logger,
  scrubber: SecretScrubber,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningExporter> {
  const cleanup = new Cleanup();
  try {
    const { config, simulator } = await startUpstream(baseConfig, logger, cleanup);
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
    return { url: server.url, metrics, poller, stateDir, simulator, stop: () => cleanup.run() };
  } catch (error) {
    // The start-up failure is the one to report, not a failure while undoing it.
    await cleanup.run().catch(() => undefined);
    throw error;
  }
}
