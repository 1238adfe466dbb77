import type { Config } from "../config/load-config.js";
import { SecretScrubber } from "../log/secret-scrubber.js";
import { type HttpPolicy, httpPolicy } from "../net/exchange.js";
import { proxyCredentials } from "../net/proxy.js";
import { USER_AGENT } from "../version.js";
import type { ClientCredential } from "./client-credential.js";
import type { CredentialSettings } from "./create-client-credential.js";
import { renewHints } from "./errors.js";
import { TokenClient } from "./token-client.js";

/** Where the secrets of a credential come from now: files re-read (the exporter), or the values. */
export interface CredentialSecrets {
  readonly clientSecret: () => string | undefined;
  readonly certificatePassword: () => string | undefined;
}

/** The configured client credential's settings, for the exporter and the login command alike. */
export function credentialSettings(config: Config, secrets: CredentialSecrets): CredentialSettings {
  const { clientId, clientSecret, clientCertificatePath, federatedTokenFile } = config.azure;
  return {
    clientId,
    clientSecret: clientSecret === undefined ? undefined : secrets.clientSecret,
    certificatePath: clientCertificatePath,
    certificatePassword: secrets.certificatePassword,
    federatedTokenFile,
  };
}

/** The token client for the configured tenant and app, behind the one HTTP policy. */
export function tokenClientFor(
  config: Config,
  credential: ClientCredential | undefined,
  http: HttpPolicy = httpPolicy(config.partnerCenter, USER_AGENT, config.proxy),
): TokenClient {
  const { authorityHost, tenantId, clientId, resource } = config.azure;
  return new TokenClient({
    authorityHost,
    tenantId,
    clientId,
    ...(credential !== undefined ? { credential } : {}),
    resource,
    renew: renewHints(config.secretFiles),
    ...http,
  });
}

/**
 * The scrubber of a command that runs with this configuration (the exporter, login): from the
 * start it knows the proxy's credentials and a client secret given as a value; secrets read from
 * files and tokens join it as they are read.
 */
export function credentialScrubber(config: Config): SecretScrubber {
  const scrubber = new SecretScrubber();
  scrubber.add(config.azure.clientSecret);
  for (const credential of proxyCredentials(config.proxy)) scrubber.add(credential);
  return scrubber;
}
