import { randomBytes, randomUUID, type X509Certificate } from "node:crypto";
import type { Express, Request, Response } from "express";
import { CLOUDS } from "../src/config/clouds.js";
import { aadErrorBody, type Refusal, sendRefusal } from "./aad-errors.js";
import { SimulatedClientCredentials } from "./client-credentials.js";
import { SimulatedDeviceFlow } from "./device-flow.js";
import { type FederatedTokenOptions, SimulatedFederation } from "./federated-tokens.js";
import type { Intercept } from "./intercept.js";
import { type Quirk, quirkSet } from "./quirks.js";
import { SimulatedSignIn } from "./sign-in.js";

export { aadErrorBody } from "./aad-errors.js";

export interface AuthorityOptions {
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Certificates uploaded to the app (PEM; the first CERTIFICATE block of each counts). */
  readonly clientCertificates?: readonly string[];
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

const RESOURCE = CLOUDS.global.resource;
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/**
 * A loopback Entra ID for one tenant and one app: the refresh-token grant (v1 and v2.0), the
 * authorization-code flow with PKCE behind a sign-in page, and the device-code flow; the app
 * proves itself with its secret, a certificate assertion or a federated token, checked as Entra
 * ID checks them (client-credentials.ts).
 */
export class SimulatedAuthority {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every refresh token it handed out, oldest first (tests check none leaks). */
  readonly issuedRefreshTokens: string[] = [];
  /** Every client assertion presented to it, oldest first (tests check none leaks). */
  readonly presentedAssertions: string[] = [];
  /** The cluster issuer whose service-account tokens the app's federated credential trusts. */
  readonly federation: SimulatedFederation;
  readonly #refreshTokens = new Map<string, { revoked: boolean }>();
  readonly #accessTokens = new Map<string, number>();
  readonly #signIn: SimulatedSignIn;
  readonly #deviceFlow: SimulatedDeviceFlow;
  readonly #clients: SimulatedClientCredentials;
  readonly #options: AuthorityOptions;
  readonly #now: () => number;
  readonly #intercept: Intercept;
  readonly #quirks: ReadonlySet<Quirk>;
  #baseUrl: () => string = () => "";

  constructor(options: AuthorityOptions, intercept: Intercept) {
    this.#options = options;
    this.#quirks = quirkSet(options.quirks);
    this.#intercept = intercept;
    this.#now = options.now ?? Date.now;
    this.tenantId = options.tenantId ?? "contoso-partner.onmicrosoft.com";
    this.clientId = options.clientId ?? randomUUID();
    this.clientSecret = options.clientSecret ?? `sim~${randomBytes(18).toString("base64url")}`;
    this.federation = new SimulatedFederation(this.tenantId, this.#now);
    this.#clients = new SimulatedClientCredentials(
      this.clientId,
      this.clientSecret,
      this.federation,
      this.#now,
    );
    for (const pem of options.clientCertificates ?? []) this.#clients.registerCertificate(pem);
    this.#signIn = new SimulatedSignIn(this.#now);
    this.#deviceFlow = new SimulatedDeviceFlow(options.deviceCodeIntervalSeconds ?? 5, this.#now);
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

  /** Uploads a certificate to the app registration (PEM, e.g. the exporter's certificate file). */
  registerCertificate(pem: string): X509Certificate {
    return this.#clients.registerCertificate(pem);
  }

  /** Projects a (new) service-account token to `path`, as the kubelet does; returns it. */
  writeFederatedToken(path: string, options?: FederatedTokenOptions): Promise<string> {
    return this.federation.write(path, options);
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
    this.#baseUrl = baseUrl;
    app.post("/:tenant/oauth2/token", (req, res) => this.#token(req, res));
    app.post("/:tenant/oauth2/v2.0/token", (req, res) => this.#token(req, res));
    app.get("/:tenant/oauth2/v2.0/authorize", (req, res) =>
      this.#signIn.page(req, res, this.tenantId, this.clientId),
    );
    app.post("/:tenant/oauth2/v2.0/authorize", (req, res) => this.#signIn.submit(req, res));
    app.post("/:tenant/oauth2/v2.0/devicecode", (req, res) => {
      const body = (req.body ?? {}) as Record<string, string | undefined>;
      if (req.params.tenant !== this.tenantId || body.client_id !== this.clientId) {
        this.#refuse(res, UNKNOWN_APP);
        return;
      }
      this.#deviceFlow.start(res, baseUrl());
    });
    app.get("/devicelogin", (_req, res) => this.#deviceFlow.formPage(res));
    app.post("/devicelogin", (req, res) => this.#deviceFlow.approve(req, res));
  }

  #refuse(res: Response, refusal: Refusal): void {
    sendRefusal(res, refusal, this.#quirks.has("aadsts-trace-body"));
  }

  /** Where Entra ID itself would refuse before looking at the grant: tenant, app, client proof. */
  #refusal(req: Request, body: Record<string, string | undefined>): Refusal | undefined {
    if (req.params.tenant !== this.tenantId) {
      const message = `Tenant '${String(req.params.tenant)}' not found.`;
      return { status: 400, error: "invalid_request", aadsts: 90002, message };
    }
    if (body.client_id !== this.clientId) return UNKNOWN_APP;
    if (body.client_assertion !== undefined) this.presentedAssertions.push(body.client_assertion);
    return this.#clients.check({
      body,
      // The URL as the client addressed it (the path, not the route): what `aud` must say.
      tokenUrl: `${this.#baseUrl()}${req.path}`,
      // The device flow may run as a public client.
      publicAllowed: body.grant_type === DEVICE_CODE_GRANT,
    });
  }

  async #token(req: Request, res: Response): Promise<void> {
    const transient = (): string =>
      aadErrorBody(
        "temporarily_unavailable",
        90033,
        "A transient error has occurred.",
        this.#quirks.has("aadsts-trace-body"),
      );
    if (await this.#intercept("token", 1, res, transient)) return;
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const refusal = this.#refusal(req, body);
    if (refusal !== undefined) {
      this.#refuse(res, refusal);
      return;
    }
    switch (body.grant_type) {
      case "refresh_token":
        this.#refreshGrant(body, res);
        return;
      case "authorization_code": {
        const refused = this.#signIn.redeem(body);
        if (refused === undefined) this.#issue(res, body.resource);
        else this.#refuse(res, refused);
        return;
      }
      case DEVICE_CODE_GRANT:
        this.#deviceFlow.redeem(body.device_code, res, () => this.#issue(res, body.resource));
        return;
      default:
        this.#refuse(res, {
          status: 400,
          error: "unsupported_grant_type",
          aadsts: 70003,
          message: "The app requested an unsupported grant type.",
        });
    }
  }

  #refreshGrant(body: Record<string, string | undefined>, res: Response): void {
    const entry = this.#refreshTokens.get(body.refresh_token ?? "");
    if (entry === undefined || entry.revoked) {
      this.#refuse(res, {
        status: 400,
        error: "invalid_grant",
        aadsts: 700082,
        message:
          "The refresh token has expired due to inactivity. The token was issued on 2026-01-01T00:00:00Z and was inactive for 90.00:00:00.",
      });
      return;
    }
    if (this.#options.revokeUsedRefreshTokens ?? true) entry.revoked = true;
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
}

const UNKNOWN_APP: Refusal = {
  status: 400,
  error: "unauthorized_client",
  aadsts: 700016,
  message: "Application not found in the directory.",
};

function newRefreshToken(): string {
  return `0.sim.${randomBytes(48).toString("base64url")}`;
}
