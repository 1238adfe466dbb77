/**
 * The settings of who the exporter is and where it talks to: the partner's tenant, the app and
 * its one client credential, the refresh token, the cloud and its endpoints.
 */
import { CLOUD_NAMES } from "./clouds.js";
import { choice, httpUrl, matching, text } from "./parsers.js";
import type { SettingSpec } from "./setting-spec.js";

/** The client credentials: exactly one of them (src/config/client-credential-rule.ts). */
const ONE_CREDENTIAL =
  "one of `AZURE_CLIENT_SECRET`, `AZURE_CLIENT_CERTIFICATE_PATH`, `AZURE_FEDERATED_TOKEN_FILE` is required (not in `--demo`)";

export const UPSTREAM_SETTINGS = [
  {
    env: "AZURE_TENANT_ID",
    flag: "azure.tenant-id",
    at: "azure.tenantId",
    help: "Partner's Entra ID tenant (id or domain)",
    required: true,
    login: true,
    ...matching(/^[A-Za-z0-9.-]+$/, () => "must be a tenant id or domain"),
  },
  {
    env: "AZURE_CLIENT_ID",
    flag: "azure.client-id",
    at: "azure.clientId",
    help: "Client id of the app registration",
    required: true,
    login: true,
    ...text("string"),
  },
  {
    env: "AZURE_CLIENT_SECRET",
    flag: "azure.client-secret",
    at: "azure.clientSecret",
    help: "Its client secret",
    documentedDefault: ONE_CREDENTIAL,
    login: true,
    ...text("secret"),
  },
  {
    env: "AZURE_CLIENT_CERTIFICATE_PATH",
    flag: "azure.client-certificate-path",
    at: "azure.clientCertificatePath",
    help: "A PEM file with the app's certificate and its private key (RSA): every grant carries a client assertion signed with it instead of the secret; re-read when it changes",
    documentedDefault: ONE_CREDENTIAL,
    login: true,
    ...text("path"),
  },
  {
    env: "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    flag: "azure.client-certificate-password",
    at: "azure.clientCertificatePassword",
    help: "The password of that private key, if it is encrypted",
    login: true,
    ...text("secret"),
  },
  {
    env: "AZURE_FEDERATED_TOKEN_FILE",
    flag: "azure.federated-token-file",
    at: "azure.federatedTokenFile",
    help: "A federated token used as the client assertion (AKS workload identity: the webhook sets it), read afresh for every grant",
    documentedDefault: ONE_CREDENTIAL,
    login: true,
    ...text("path"),
  },
  {
    env: "PARTNER_CENTER_REFRESH_TOKEN",
    flag: "partner-center.refresh-token",
    at: "partnerCenter.refreshToken",
    help: "App+User refresh token, the first one (rotated ones are persisted under `STATE_DIR`)",
    documentedDefault: "required unless `STATE_DIR` holds one",
    ...text("secret"),
  },
  {
    env: "AZURE_CLOUD",
    flag: "cloud",
    at: "azure.cloud",
    help: "Which cloud (`china` is 21Vianet's): picks the authority, API URL and resource",
    default: "global",
    login: true,
    ...choice(CLOUD_NAMES),
  },
  {
    env: "AZURE_AUTHORITY_HOST",
    flag: "azure.authority-host",
    at: "azure.authorityHost",
    help: "Token authority (wins over `--cloud`); plain `http://` to another machine gets a warning at start",
    perCloud: "authorityHost",
    login: true,
    ...httpUrl(),
  },
  {
    env: "PARTNER_CENTER_URL",
    flag: "partner-center.url",
    at: "partnerCenter.url",
    help: "API base URL (wins over `--cloud`); plain `http://` to another machine gets a warning at start",
    perCloud: "partnerCenterUrl",
    ...httpUrl(),
  },
  {
    env: "PARTNER_CENTER_LOCALE",
    flag: "partner-center.locale",
    at: "partnerCenter.locale",
    help: "`X-Locale` header sent to Partner Center",
    default: "en-US",
    ...matching(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, (value) => `${value} is not a locale`),
  },
] as const satisfies readonly SettingSpec[];
