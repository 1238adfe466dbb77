import type { ClientCredential } from "../auth/client-credential.js";
import type { CredentialSettings } from "../auth/create-client-credential.js";
import { renewHints } from "../auth/errors.js";
import { TokenClient } from "../auth/token-client.js";
import type { Config } from "../config/load-config.js";
import { type HttpPolicy, httpPolicy } from "../net/exchange.js";
import { USER_AGENT } from "../version.js";

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
