import { ExporterError } from "../errors/exporter-error.js";

/** What the operator must do for the AADSTS codes operators actually meet. */
const AADSTS_HINTS: Readonly<Record<number, string>> = {
  700082:
    "the refresh token expired (unused for 90 days): sign in again with MFA and set PARTNER_CENTER_REFRESH_TOKEN to the new token",
  70008:
    "the refresh token expired or was revoked: sign in again with MFA and set PARTNER_CENTER_REFRESH_TOKEN",
  50173:
    "the refresh token was revoked (password change or admin action): sign in again with MFA and set PARTNER_CENTER_REFRESH_TOKEN",
  50076:
    "MFA is required: sign in again with MFA (Secure Application Model) and set PARTNER_CENTER_REFRESH_TOKEN",
  50078:
    "the MFA claim expired: sign in again with MFA and set PARTNER_CENTER_REFRESH_TOKEN; check conditional-access policies",
  700007:
    "the refresh token was issued to another client id: AZURE_CLIENT_ID must be the app the token was issued to",
  7000215: "the client secret is wrong or expired: set AZURE_CLIENT_SECRET to a current secret",
  7000222: "the client secret expired: create a new one and set AZURE_CLIENT_SECRET",
  700016: "the app is not found in the tenant: check AZURE_CLIENT_ID and AZURE_TENANT_ID",
  90002: "the tenant is not found: check AZURE_TENANT_ID",
  65001: "consent is missing: grant the app the Partner Center user_impersonation permission",
};

/** OAuth error codes that no retry will fix: an operator has to act. */
const NEEDS_OPERATOR = new Set([
  "invalid_grant",
  "invalid_client",
  "unauthorized_client",
  "interaction_required",
  "consent_required",
  "invalid_request",
]);

export type RefreshResult =
  | "success"
  | "invalid_grant"
  | "invalid_client"
  | "interaction_required"
  | "rejected"
  | "error";

/** The token authority refused the refresh token grant, or could not be reached. */
export class AuthError extends ExporterError {
  readonly reason = "auth";
  readonly needsOperator: boolean;
  readonly hint: string | undefined;
  constructor(
    message: string,
    readonly oauthError: string | undefined,
    readonly aadsts: number | undefined,
    readonly status: number | undefined,
  ) {
    const needsOperator = oauthError !== undefined && NEEDS_OPERATOR.has(oauthError);
    const hint =
      (aadsts !== undefined ? AADSTS_HINTS[aadsts] : undefined) ??
      (oauthError === "invalid_client"
        ? "check AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
        : needsOperator
          ? "sign in again with MFA and set PARTNER_CENTER_REFRESH_TOKEN"
          : undefined);
    super(
      `${message}${aadsts !== undefined ? ` (AADSTS${aadsts})` : ""}${hint ? `; what to do: ${hint}` : ""}`,
    );
    this.name = "AuthError";
    this.needsOperator = needsOperator;
    this.hint = hint;
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
