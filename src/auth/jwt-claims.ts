/**
 * Reads the claims of a JWT without verifying it: the exporter only reports what the token says
 * (the API verifies it); never use this for a security decision.
 */
export function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the token's `amr` claim says MFA was used; undefined if the token does not say. */
export function hasMfaClaim(accessToken: string): boolean | undefined {
  const amr = unverifiedClaims(accessToken)?.amr;
  return Array.isArray(amr) ? amr.includes("mfa") : undefined;
}
