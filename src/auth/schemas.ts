import * as v from "valibot";

/** A number, or the numeric string Entra ID's v1 endpoint writes instead (`"expires_in": "3599"`). */
const seconds = v.pipe(
  v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/))]),
  v.transform(Number),
  v.finite(),
);

/** A string that is absent when empty. */
const optionalText = v.pipe(
  v.fallback(v.optional(v.string()), undefined),
  v.transform((s) => (s === "" ? undefined : s)),
);

/** A successful grant: the token endpoint's 200 answer (v1 and v2.0). */
export const tokenAnswer = v.looseObject({
  access_token: v.pipe(v.string(), v.nonEmpty()),
  expires_in: seconds,
  // Entra ID rotates refresh tokens: a new one with each grant (absent if it did not).
  refresh_token: optionalText,
});

/** An OAuth error answer; every field optional: a proxy's page may answer instead. */
export const oauthError = v.looseObject({
  error: optionalText,
  error_description: v.fallback(v.optional(v.string()), undefined),
  error_codes: v.fallback(v.optional(v.array(v.unknown())), undefined),
});

/** The device-code flow's first answer. */
export const deviceCodeAnswer = v.looseObject({
  device_code: v.string(),
  user_code: v.string(),
  verification_uri: v.string(),
  expires_in: seconds,
  interval: v.optional(seconds),
  message: v.optional(v.string()),
});

/** The refresh token file under STATE_DIR, version 1. */
export const tokenFile = v.object({
  version: v.literal(1),
  refreshToken: v.pipe(v.string(), v.nonEmpty()),
  configuredSha256: v.optional(v.string()),
  savedAt: v.string(),
});
