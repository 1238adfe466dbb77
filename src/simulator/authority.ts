import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Express, Request, Response } from "express";
import { answerFault, type FaultQueue } from "./faults.js";
import { type Quirk, quirkSet } from "./quirks.js";

export interface AuthorityOptions {
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The first refresh token it accepts; a random one if absent. */
  readonly refreshToken?: string;
  readonly accessTokenLifetimeSeconds?: number;
  /** Entra ID returns a new refresh token with each grant; the simulator revokes the used one. */
  readonly revokeUsedRefreshTokens?: boolean;
  /** Whether sign-ins carry MFA (the access token's amr claim); default true. */
  readonly mfa?: boolean;
  /** Polling interval the device-code flow asks for, in seconds; default 5. */
  readonly deviceCodeIntervalSeconds?: number;
  readonly now?: () => number;
  /** How real answers differ from the documented ones; all of them unless given (see quirks.ts). */
  readonly quirks?: Iterable<Quirk>;
}

const RESOURCE = "https://api.partnercenter.microsoft.com";
const CODE_LIFETIME_MS = 10 * 60_000;

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The error body Entra ID sends, with the AADSTS code in description and error_codes, trace lines
 * and ids (as in azure-cli#14244); `traced: false` gives the bare OAuth shape of RFC 6749.
 */
export function aadErrorBody(
  error: string,
  aadsts: number,
  message: string,
  traced = true,
): string {
  if (!traced) return JSON.stringify({ error, error_description: `AADSTS${aadsts}: ${message}` });
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return JSON.stringify({
    error,
    error_description: `AADSTS${aadsts}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [aadsts],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  });
}

interface AuthorizationCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly expiresAt: number;
}

interface DeviceCode {
  readonly userCode: string;
  readonly expiresAt: number;
  approved: boolean;
  lastPoll: number;
}

/**
 * A loopback Entra ID for one tenant and one app: the refresh-token grant (v1 and v2.0), the
 * authorization-code flow with PKCE behind a sign-in page, and the device-code flow.
 */
export class SimulatedAuthority {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every refresh token it handed out, oldest first (tests check none leaks). */
  readonly issuedRefreshTokens: string[] = [];
  readonly #refreshTokens = new Map<string, { revoked: boolean }>();
  readonly #accessTokens = new Map<string, number>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #deviceCodes = new Map<string, DeviceCode>();
  readonly #options: AuthorityOptions;
  readonly #now: () => number;
  readonly #faults: FaultQueue;
  readonly #quirks: ReadonlySet<Quirk>;

  constructor(options: AuthorityOptions, faults: FaultQueue) {
    this.#options = options;
    this.#quirks = quirkSet(options.quirks);
    this.#faults = faults;
    this.#now = options.now ?? Date.now;
    this.tenantId = options.tenantId ?? "contoso-partner.onmicrosoft.com";
    this.clientId = options.clientId ?? randomUUID();
    this.clientSecret = options.clientSecret ?? `sim~${randomBytes(18).toString("base64url")}`;
    this.#addRefreshToken(options.refreshToken ?? newRefreshToken());
  }

  get initialRefreshToken(): string {
    const first = this.issuedRefreshTokens[0];
    if (first === undefined) throw new Error("no refresh token issued");
    return first;
  }

  get currentRefreshToken(): string {
    return this.issuedRefreshTokens.at(-1) ?? this.initialRefreshToken;
  }

  /** Whether this refresh token would be accepted now. */
  isLive(refreshToken: string): boolean {
    return this.#refreshTokens.get(refreshToken)?.revoked === false;
  }

  revokeRefreshToken(token: string): void {
    const entry = this.#refreshTokens.get(token);
    if (entry !== undefined) entry.revoked = true;
  }

  expireAccessTokens(): void {
    for (const token of this.#accessTokens.keys()) this.#accessTokens.set(token, 0);
  }

  isValidAccessToken(token: string): boolean {
    const expiresAt = this.#accessTokens.get(token);
    return expiresAt !== undefined && this.#now() < expiresAt;
  }

  #addRefreshToken(token: string): void {
    this.#refreshTokens.set(token, { revoked: false });
    this.issuedRefreshTokens.push(token);
  }

  /** Registers the authority's routes on the simulator's app. */
  install(app: Express, baseUrl: () => string): void {
    app.post("/:tenant/oauth2/token", (req, res) => this.#token(req, res));
    app.post("/:tenant/oauth2/v2.0/token", (req, res) => this.#token(req, res));
    app.get("/:tenant/oauth2/v2.0/authorize", (req, res) => this.#authorizePage(req, res));
    app.post("/:tenant/oauth2/v2.0/authorize", (req, res) => this.#authorizeSubmit(req, res));
    app.post("/:tenant/oauth2/v2.0/devicecode", (req, res) =>
      this.#deviceCode(req, res, baseUrl()),
    );
    app.get("/devicelogin", (_req, res) => {
      res.type("html").send(page("Enter code", DEVICE_FORM));
    });
    app.post("/devicelogin", (req, res) => this.#deviceApprove(req, res));
  }

  #refuseUnknownApp(res: Response): void {
    this.#refuse(
      res,
      400,
      "unauthorized_client",
      700016,
      "Application not found in the directory.",
    );
  }

  #refuse(res: Response, status: number, error: string, aadsts: number, message: string): void {
    res
      .status(status)
      .type("application/json; charset=utf-8")
      .send(aadErrorBody(error, aadsts, message, this.#quirks.has("aadsts-trace-body")));
  }

  async #token(req: Request, res: Response): Promise<void> {
    const transient = (): string =>
      aadErrorBody(
        "temporarily_unavailable",
        90033,
        "A transient error has occurred.",
        this.#quirks.has("aadsts-trace-body"),
      );
    if (await answerFault(this.#faults.take("token"), res, transient)) return;
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if (req.params.tenant !== this.tenantId) {
      this.#refuse(
        res,
        400,
        "invalid_request",
        90002,
        `Tenant '${String(req.params.tenant)}' not found.`,
      );
      return;
    }
    if (body.client_id !== this.clientId) {
      this.#refuseUnknownApp(res);
      return;
    }
    // A confidential client proves itself with its secret; the device flow may run as a public client.
    const secretRequired = body.grant_type !== "urn:ietf:params:oauth:grant-type:device_code";
    if (
      (secretRequired || body.client_secret !== undefined) &&
      body.client_secret !== this.clientSecret
    ) {
      this.#refuse(res, 401, "invalid_client", 7000215, "Invalid client secret provided.");
      return;
    }
    switch (body.grant_type) {
      case "refresh_token":
        this.#refreshGrant(body, res);
        return;
      case "authorization_code":
        this.#codeGrant(body, res);
        return;
      case "urn:ietf:params:oauth:grant-type:device_code":
        this.#deviceGrant(body, res);
        return;
      default:
        this.#refuse(
          res,
          400,
          "unsupported_grant_type",
          70003,
          "The app requested an unsupported grant type.",
        );
    }
  }

  #refreshGrant(body: Record<string, string | undefined>, res: Response): void {
    const entry = this.#refreshTokens.get(body.refresh_token ?? "");
    if (entry === undefined || entry.revoked) {
      this.#refuse(
        res,
        400,
        "invalid_grant",
        700082,
        "The refresh token has expired due to inactivity. The token was issued on 2026-01-01T00:00:00Z and was inactive for 90.00:00:00.",
      );
      return;
    }
    if (this.#options.revokeUsedRefreshTokens ?? true) entry.revoked = true;
    this.#issue(res, body.resource);
  }

  #codeGrant(body: Record<string, string | undefined>, res: Response): void {
    const code = this.#codes.get(body.code ?? "");
    this.#codes.delete(body.code ?? "");
    if (code === undefined || code.expiresAt < this.#now()) {
      this.#refuse(
        res,
        400,
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired.",
      );
      return;
    }
    if (body.redirect_uri !== code.redirectUri) {
      this.#refuse(
        res,
        400,
        "invalid_grant",
        50011,
        "The redirect URI does not match the one in the request.",
      );
      return;
    }
    const verifier = body.code_verifier ?? "";
    if (createHash("sha256").update(verifier).digest("base64url") !== code.challenge) {
      this.#refuse(
        res,
        400,
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge.",
      );
      return;
    }
    this.#issue(res, body.resource);
  }

  #deviceGrant(body: Record<string, string | undefined>, res: Response): void {
    const entry = this.#deviceCodes.get(body.device_code ?? "");
    if (entry === undefined || entry.expiresAt < this.#now()) {
      res.status(400).json({
        error: "expired_token",
        error_description:
          "AADSTS70020: The provided value for the input parameter 'device_code' is not valid or has expired.",
      });
      return;
    }
    if (!entry.approved) {
      const interval = (this.#options.deviceCodeIntervalSeconds ?? 5) * 1000;
      const early = this.#now() - entry.lastPoll < interval * 0.8;
      entry.lastPoll = this.#now();
      res.status(400).json({
        error: early ? "slow_down" : "authorization_pending",
        error_description: "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.",
        error_codes: [70016],
      });
      return;
    }
    this.#deviceCodes.delete(body.device_code ?? "");
    this.#issue(res, body.resource);
  }

  #issue(res: Response, resource: string | undefined): void {
    const rotated = newRefreshToken();
    this.#addRefreshToken(rotated);
    const lifetime = this.#options.accessTokenLifetimeSeconds ?? 3600;
    const now = this.#now();
    const nowSeconds = Math.floor(now / 1000);
    const accessToken = [
      base64url({ typ: "JWT", alg: "RS256", kid: "simulator" }),
      base64url({
        aud: RESOURCE,
        iss: `https://sts.windows.net/${this.tenantId}/`,
        iat: nowSeconds,
        nbf: nowSeconds,
        exp: nowSeconds + lifetime,
        amr: (this.#options.mfa ?? true) ? ["pwd", "mfa"] : ["pwd"],
        appid: this.clientId,
        scp: "user_impersonation",
        tid: this.tenantId,
        upn: "admin@contoso-partner.onmicrosoft.com",
      }),
      randomBytes(32).toString("base64url"),
    ].join(".");
    this.#accessTokens.set(accessToken, now + lifetime * 1000);
    // The v1 endpoint writes its numbers as strings; v2.0 answers use JSON numbers.
    const number =
      !res.req.path.includes("/v2.0/") && this.#quirks.has("v1-string-numbers")
        ? String
        : (n: number) => n;
    res.type("application/json; charset=utf-8").send({
      token_type: "Bearer",
      scope: "user_impersonation",
      expires_in: number(lifetime),
      ext_expires_in: number(lifetime),
      expires_on: number(nowSeconds + lifetime),
      not_before: number(nowSeconds),
      resource: resource ?? RESOURCE,
      access_token: accessToken,
      refresh_token: rotated,
      id_token: `${base64url({ typ: "JWT", alg: "none" })}.${base64url({ tid: this.tenantId })}.`,
    });
  }

  #authorizePage(req: Request, res: Response): void {
    const q = req.query as Record<string, string | undefined>;
    const problem =
      req.params.tenant !== this.tenantId
        ? "AADSTS90002: Tenant not found."
        : q.client_id !== this.clientId
          ? "AADSTS700016: Application not found in the directory."
          : q.response_type !== "code"
            ? "AADSTS900144: The request body must contain the following parameter: 'response_type=code'."
            : !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(q.redirect_uri ?? "")
              ? "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application."
              : q.code_challenge_method !== "S256" || !q.code_challenge
                ? "AADSTS9002325: Proof Key for Code Exchange is required."
                : undefined;
    if (problem !== undefined) {
      res
        .status(400)
        .type("html")
        .send(page("Sign-in error", `<p id="error">${escapeHtml(problem)}</p>`));
      return;
    }
    const hidden = ["redirect_uri", "state", "code_challenge"]
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(q[name] ?? "")}">`)
      .join("");
    res.type("html").send(
      page(
        "Sign in",
        `<form method="post">${hidden}
<label>Email <input id="username" name="username" type="email" required></label>
<label>Password <input id="password" name="password" type="password" required></label>
<label>Authenticator code <input id="otp" name="otp" inputmode="numeric" required></label>
<button id="signin" type="submit">Sign in</button></form>`,
      ),
    );
  }

  #authorizeSubmit(req: Request, res: Response): void {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const redirectUri = body.redirect_uri ?? "";
    if (!/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(redirectUri) || !body.code_challenge) {
      res.status(400).type("html").send(page("Sign-in error", "<p>Bad request.</p>"));
      return;
    }
    const code = `sim-code.${randomBytes(24).toString("base64url")}`;
    this.#codes.set(code, {
      clientId: this.clientId,
      redirectUri,
      challenge: body.code_challenge,
      expiresAt: this.#now() + CODE_LIFETIME_MS,
    });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    if (body.state !== undefined) target.searchParams.set("state", body.state);
    res.redirect(302, target.href);
  }

  #deviceCode(req: Request, res: Response, baseUrl: string): void {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if (req.params.tenant !== this.tenantId || body.client_id !== this.clientId) {
      this.#refuseUnknownApp(res);
      return;
    }
    const deviceCode = randomBytes(32).toString("base64url");
    const userCode = Array.from(
      randomBytes(8),
      (b) => "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[b % 32],
    ).join("");
    const expiresIn = 900;
    this.#deviceCodes.set(deviceCode, {
      userCode,
      expiresAt: this.#now() + expiresIn * 1000,
      approved: false,
      lastPoll: 0,
    });
    const verificationUri = `${baseUrl}/devicelogin`;
    res.json({
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: expiresIn,
      interval: this.#options.deviceCodeIntervalSeconds ?? 5,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    });
  }

  #deviceApprove(req: Request, res: Response): void {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const code = (body.user_code ?? "").trim().toUpperCase();
    const entry = [...this.#deviceCodes.values()].find((d) => d.userCode === code);
    if (entry === undefined || entry.expiresAt < this.#now()) {
      res
        .status(400)
        .type("html")
        .send(page("Enter code", `<p id="error">That code is not valid.</p>${DEVICE_FORM}`));
      return;
    }
    entry.approved = true;
    res
      .type("html")
      .send(page("Signed in", '<p id="done">You have signed in. You can close this window.</p>'));
  }
}

const DEVICE_FORM = `<form method="post"><label>Code <input id="user_code" name="user_code" required></label>
<button id="next" type="submit">Next</button></form>`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - Partner Center simulator</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function newRefreshToken(): string {
  return `0.sim.${randomBytes(48).toString("base64url")}`;
}
