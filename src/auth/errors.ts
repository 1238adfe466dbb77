import { ExporterError, type FailureReason } from "../errors/exporter-error.js";

/**
 * Why a grant failed, as the poll's reason: `auth` when the authority refused; otherwise the same
 * reason the API would have (the way there failed, it did not answer, it redirected, it was busy).
 */
export type AuthFailureReason = Extract<
  FailureReason,
  "auth" | "network" | "timeout" | "redirect" | "throttled" | "http_error"
>;

/**
 * How the operator renews what they configured, in the hints: the variable they set, or the
 * `_FILE` they pointed at (read again when it changes: no restart).
 */
export interface RenewHints {
  readonly refreshToken: string;
  readonly clientSecret: string;
}

/** The renew hints for the secret files configured (none: the plain variables). */
export function renewHints(files: {
  readonly refreshToken?: string | undefined;
  readonly clientSecret?: string | undefined;
}): RenewHints {
  const token = files.refreshToken;
  const secret = files.clientSecret;
  return {
    refreshToken: `sign in again with MFA (partner-center-exporter login), then ${
      token === undefined
        ? "set PARTNER_CENTER_REFRESH_TOKEN to the new refresh token and restart the exporter"
        : `write the new refresh token to ${token} (PARTNER_CENTER_REFRESH_TOKEN_FILE): it is read again without a restart`
    }`,
    clientSecret:
      secret === undefined
        ? "set AZURE_CLIENT_SECRET to a current secret and restart the exporter"
        : `write a current secret to ${secret} (AZURE_CLIENT_SECRET_FILE): it is read again without a restart`,
  };
}

/**
 * What the operator must do for the AADSTS codes operators actually meet; `{...}` is filled in
 * from the RenewHints.
 */
const AADSTS_HINTS: Readonly<Record<number, string>> = {
  700082: "the refresh token expired (unused for 90 days): {sign in and renew the token}",
  70008: "the refresh token expired or was revoked: {sign in and renew the token}",
  50173:
    "the refresh token was revoked (password change or admin action): {sign in and renew the token}",
  50076: "MFA is required (Secure Application Model): {sign in and renew the token}",
  50078: "the MFA claim expired: {sign in and renew the token}; check conditional-access policies",
  700007:
    "the refresh token was issued to another client id: AZURE_CLIENT_ID must be the app the token was issued to",
  7000215: "the client secret is wrong or expired: {renew the secret}",
  7000222:
    "the client secret expired: create a new one on the app registration, then {renew the secret}",
  7000218:
    "the app is a confidential client and no credential came: set one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE",
  700027:
    "the client assertion's signature does not match a certificate of the app (or the certificate expired): upload the certificate in AZURE_CLIENT_CERTIFICATE_PATH to the app registration (Certificates & secrets)",
  700024:
    "the client assertion is not within its valid time range: check this machine's clock (NTP); with workload identity, the token in AZURE_FEDERATED_TOKEN_FILE expired (is the kubelet still rotating it?)",
  700023:
    "the client assertion's audience is not this token endpoint: check AZURE_AUTHORITY_HOST, AZURE_CLOUD and AZURE_TENANT_ID",
  700021: "the client assertion's iss and sub must be AZURE_CLIENT_ID: check AZURE_CLIENT_ID",
  70021:
    "no federated credential of the app matches the token in AZURE_FEDERATED_TOKEN_FILE: add one with the cluster's OIDC issuer URL, subject system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT and audience api://AzureADTokenExchange (new ones take a few minutes to apply)",
  700213:
    "no federated credential of the app matches the token's subject: the federated credential's subject must be system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT of this pod",
  50027:
    "the client assertion is not a well-formed JWT: AZURE_FEDERATED_TOKEN_FILE must hold the token alone",
  50013:
    "the client assertion was refused (a replayed or otherwise invalid assertion): check the clock and that nothing else sends this assertion",
  9002313:
    "the request was malformed: send exactly one client credential (a secret or an assertion, not both)",
  700016: "the app is not found in the tenant: check AZURE_CLIENT_ID and AZURE_TENANT_ID",
  90002: "the tenant is not found: check AZURE_TENANT_ID",
  65001: "consent is missing: grant the app the Partner Center user_impersonation permission",
};

/**
 * The OAuth error codes a label may carry (RFC 6749, the device flow, OpenID Connect, and what
 * Entra ID sends): anything else an authority writes in `error` is `other` on /metrics, and only
 * its scrubbed text reaches the log. An upstream value never becomes a series of its own.
 */
export const OAUTH_ERROR_LABELS: ReadonlySet<string> = new Set([
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "access_denied",
  "server_error",
  "temporarily_unavailable",
  "interaction_required",
  "login_required",
  "consent_required",
  "authorization_pending",
  "slow_down",
  "expired_token",
]);

/** The AADSTS codes a label may carry: the ones with a documented hint (docs/authentication.md). */
export const AADSTS_LABELS: ReadonlySet<number> = new Set(Object.keys(AADSTS_HINTS).map(Number));

/** OAuth error codes that no retry will fix: an operator has to act. */
const NEEDS_OPERATOR = new Set([
  "invalid_grant",
  "invalid_client",
  "unauthorized_client",
  "interaction_required",
  "consent_required",
  "invalid_request",
]);

/** What a refresh came to: the `result` label of the refresh counter. */
export const REFRESH_RESULTS = [
  "success",
  "invalid_grant",
  "invalid_client",
  "interaction_required",
  "rejected",
  "error",
] as const;
export type RefreshResult = (typeof REFRESH_RESULTS)[number];

/** The token authority refused a grant, or did not answer it usably. */
export class AuthError extends ExporterError {
  readonly needsOperator: boolean;
  readonly hint: string | undefined;
  constructor(
    message: string,
    readonly oauthError: string | undefined,
    readonly aadsts: number | undefined,
    readonly status: number | undefined,
    readonly reason: AuthFailureReason = "auth",
    renew: RenewHints = renewHints({}),
  ) {
    const needsOperator = oauthError !== undefined && NEEDS_OPERATOR.has(oauthError);
    const template =
      (aadsts !== undefined ? AADSTS_HINTS[aadsts] : undefined) ??
      (oauthError === "invalid_client"
        ? "check AZURE_CLIENT_ID and the client credential (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE)"
        : needsOperator
          ? "{sign in and renew the token}"
          : undefined);
    const hint = template
      ?.replace("{sign in and renew the token}", renew.refreshToken)
      .replace("{renew the secret}", renew.clientSecret);
    super(
      `${message}${aadsts !== undefined ? ` (AADSTS${aadsts})` : ""}${hint ? `; what to do: ${hint}` : ""}`,
    );
    this.name = "AuthError";
    this.needsOperator = needsOperator;
    this.hint = hint;
  }

  /** The `error` label: a known OAuth error, `other`, or empty when none came. */
  get errorLabel(): string {
    if (this.oauthError === undefined) return "";
    return OAUTH_ERROR_LABELS.has(this.oauthError) ? this.oauthError : "other";
  }

  /** The `aadsts` label: a documented code, `other`, or empty when none came. */
  get aadstsLabel(): string {
    if (this.aadsts === undefined) return "";
    return AADSTS_LABELS.has(this.aadsts) ? String(this.aadsts) : "other";
  }

  /** The value of the `result` label of partner_center_token_refreshes_total. */
  get result(): RefreshResult {
    switch (this.oauthError) {
      case "invalid_grant":
      case "invalid_client":
      case "interaction_required":
        return this.oauthError;
      case undefined:
        return "error";
      default:
        return this.needsOperator ? "rejected" : "error";
    }
  }
}
