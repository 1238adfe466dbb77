import type { Logger } from "pino";
import { AccessTokenProvider } from "../auth/access-token-provider.js";
import { type ClientCredential, CredentialError } from "../auth/client-credential.js";
import { createClientCredential } from "../auth/create-client-credential.js";
import { credentialSettings, tokenClientFor } from "../auth/credentials.js";
import { openTokenState, type TokenState } from "../auth/token-state.js";
import type { Config } from "../config/load-config.js";
import { SecretSource } from "../config/secret-source.js";
import type { SecretScrubber } from "../log/secret-scrubber.js";
import type { ExporterMetrics } from "../metrics/exporter-metrics.js";
import { httpPolicy } from "../net/exchange.js";
import { type ProxySettings, proxyName } from "../net/proxy.js";
import { PartnerCenterClient } from "../partner-center/client.js";
import { USER_AGENT } from "../version.js";
import { StartupError } from "./startup-error.js";

// The upstream stage of start-up: the secrets, the token state, the client credential and the
// Partner Center client behind the token authority, as main.ts wires them.

/** The token state once a refresh token is known. */
export type StartState = TokenState & { readonly refreshToken: string };

export interface Secrets {
  readonly clientSecret: SecretSource;
  readonly certificatePassword: SecretSource;
  readonly configuredToken: SecretSource;
}

/** The secrets as configured, each file re-read when it changes; every value goes to the scrubber. */
export function secretSources(config: Config, scrubber: SecretScrubber): Secrets {
  const scrub = (value: string): void => scrubber.add(value);
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
export async function openState(
  stateDir: string,
  secrets: Secrets,
  logger: Logger,
): Promise<StartState> {
  const state = await openTokenState(stateDir, secrets.configuredToken.current(), logger);
  const { refreshToken } = state;
  if (refreshToken !== undefined) return { ...state, refreshToken };
  throw new StartupError(
    `PARTNER_CENTER_REFRESH_TOKEN (--partner-center.refresh-token): required (set it or PARTNER_CENTER_REFRESH_TOKEN_FILE, or run partner-center-exporter login; STATE_DIR ${stateDir} holds no persisted token)`,
  );
}

/**
 * The one client credential configured (secret, certificate or federated token); a certificate or
 * token file that cannot be used now is the operator's to fix (one line, exit 2).
 */
export function clientCredential(
  config: Config,
  secrets: Secrets,
  scrubber: SecretScrubber,
  logger: Logger,
): ClientCredential | undefined {
  const settings = credentialSettings(config, {
    clientSecret: () => secrets.clientSecret.current(),
    certificatePassword: () => secrets.certificatePassword.current(),
  });
  try {
    return createClientCredential(settings, scrubber, (problem) => logger.warn(problem));
  } catch (error) {
    if (error instanceof CredentialError) throw new StartupError(error.message);
    throw error;
  }
}

export interface ClientParts {
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
export function partnerCenterClient(config: Config, parts: ClientParts): PartnerCenterClient {
  const { credential, secrets, state, metrics, logger, scrubber } = parts;
  const http = httpPolicy(config.partnerCenter, USER_AGENT, config.proxy);
  logProxies(config.proxy, logger);
  const tokenClient = tokenClientFor(config, credential, http);
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
