import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Request, type Response } from "express";
import { LICENSE_USAGE_PATH } from "../partner-center/license-usage.js";
import { demoUsageItems } from "./demo-data.js";
import { type Fault, FaultQueue } from "./faults.js";

export interface SimulatorOptions {
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The first refresh token it accepts; a random one if absent. */
  readonly refreshToken?: string;
  readonly accessTokenLifetimeSeconds?: number;
  /** Entra ID returns a new refresh token with each grant; the simulator revokes the used one. */
  readonly revokeUsedRefreshTokens?: boolean;
  readonly now?: () => number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Whether a valid access token came with it (the token itself is never recorded). */
  authorized: boolean;
  /** The status answered; 0 while unanswered (or never, for a hang). */
  status: number;
}

const MAX_RECORDED = 1000;
const RESOURCE = "https://api.partnercenter.microsoft.com";

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** The error body Entra ID sends, with the AADSTS code in description and error_codes. */
export function aadErrorBody(error: string, aadsts: number, message: string): string {
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

/** Partner Center's error body for a status (the 429 one has its own documented shape). */
export function apiErrorBody(status: number, retryAfterSeconds?: number): string {
  if (status === 429) {
    const wait = retryAfterSeconds ?? 57;
    return JSON.stringify({
      statusCode: 429,
      message: `Rate limit is exceeded. Try again in ${wait} seconds.`,
    });
  }
  const known: Record<number, [string, string]> = {
    400: ["400", "Bad request"],
    401: ["800001", "Partner Token missing in request context or expired"],
    403: ["2032", "Access denied"],
    404: ["404", "Not found"],
    500: ["800003", "Unexpected service error"],
    502: ["502", "Bad gateway"],
    503: ["503", "Service unavailable"],
    504: ["504", "Gateway timeout"],
  };
  const [code, description] = known[status] ?? [String(status), "Error"];
  return JSON.stringify({ code, description, data: [], source: "PartnerFD" });
}

/**
 * A loopback Partner Center: the token endpoint (refresh-token grant, rotating refresh tokens)
 * and the licence usage endpoint, with the documented headers and error bodies, plus faults.
 */
export class PartnerCenterSimulator {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly faults = new FaultQueue();
  readonly requests: RecordedRequest[] = [];
  /** Every refresh token it handed out, oldest first (tests check none leaks). */
  readonly issuedRefreshTokens: string[] = [];
  readonly #refreshTokens = new Map<string, { revoked: boolean }>();
  readonly #accessTokens = new Map<string, number>();
  readonly #options: SimulatorOptions;
  readonly #now: () => number;
  readonly #partnerId = randomUUID();
  #usageItems: unknown[] | undefined;
  #usageBody: string | undefined;
  #server: Server | undefined;

  constructor(options: SimulatorOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.tenantId = options.tenantId ?? "contoso-partner.onmicrosoft.com";
    this.clientId = options.clientId ?? randomUUID();
    this.clientSecret = options.clientSecret ?? `sim~${randomBytes(18).toString("base64url")}`;
    this.#addRefreshToken(options.refreshToken ?? this.#newRefreshToken());
  }

  /** The refresh token a new client should be configured with. */
  get initialRefreshToken(): string {
    const first = this.issuedRefreshTokens[0];
    if (first === undefined) throw new Error("no refresh token issued");
    return first;
  }

  /** The newest refresh token (the one a well-behaved client holds now). */
  get currentRefreshToken(): string {
    return this.issuedRefreshTokens.at(-1) ?? this.initialRefreshToken;
  }

  /** Serve these items (any JSON, to test bad data); undefined returns to the demo data. */
  setUsageItems(items: unknown[] | undefined): void {
    this.#usageItems = items;
    this.#usageBody = undefined;
  }

  /** Serve exactly this body text for the usage endpoint; undefined returns to items. */
  setUsageBody(body: string | undefined): void {
    this.#usageBody = body;
  }

  revokeRefreshToken(token: string): void {
    const entry = this.#refreshTokens.get(token);
    if (entry !== undefined) entry.revoked = true;
  }

  /** Expires every access token now (the API then answers 401). */
  expireAccessTokens(): void {
    for (const token of this.#accessTokens.keys()) this.#accessTokens.set(token, 0);
  }

  usageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(LICENSE_USAGE_PATH));
  }

  tokenRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith("/token"));
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error("simulator not started");
    return `http://127.0.0.1:${address.port}`;
  }

  async start(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer(this.#app());
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host }, resolve);
    });
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = undefined;
  }

  #newRefreshToken(): string {
    return `0.sim.${randomBytes(48).toString("base64url")}`;
  }

  #addRefreshToken(token: string): void {
    this.#refreshTokens.set(token, { revoked: false });
    this.issuedRefreshTokens.push(token);
  }

  /** Applies a fault: true if it answered (or will never answer) the request. */
  async #applyFault(
    fault: Fault | undefined,
    res: Response,
    errorBody: (status: number) => string,
  ): Promise<boolean> {
    if (fault === undefined) return false;
    if (fault.hang) {
      return true;
    }
    if (fault.delayMs !== undefined) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.status === undefined && fault.body === undefined) return false;
    const status = fault.status ?? 200;
    if (fault.retryAfter !== undefined) res.set("Retry-After", fault.retryAfter);
    res
      .status(status)
      .type("application/json; charset=utf-8")
      .send(fault.body ?? errorBody(status));
    return true;
  }

  #app(): express.Express {
    const app = express();
    app.disable("x-powered-by");
    app.use((req: Request, res: Response, next: () => void) => {
      // Recorded on arrival, so a request still waiting on a delay fault is already visible.
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (name !== "authorization" && typeof value === "string") headers[name] = value;
      }
      const record: RecordedRequest = {
        method: req.method,
        path: req.originalUrl,
        headers,
        authorized: false,
        status: 0,
      };
      this.requests.push(record);
      if (this.requests.length > MAX_RECORDED) this.requests.shift();
      res.locals.record = record;
      res.on("finish", () => {
        record.status = res.statusCode;
      });
      next();
    });
    app.use(express.urlencoded({ extended: false, limit: "64kb" }));
    app.use(express.json({ limit: "64mb" }));

    const token = async (req: Request, res: Response): Promise<void> => {
      const fault = this.faults.take("token");
      if (
        await this.#applyFault(fault, res, () =>
          aadErrorBody("temporarily_unavailable", 90033, "A transient error has occurred."),
        )
      )
        return;
      const body = (req.body ?? {}) as Record<string, string | undefined>;
      const refuse = (status: number, error: string, aadsts: number, message: string): void => {
        res
          .status(status)
          .type("application/json; charset=utf-8")
          .send(aadErrorBody(error, aadsts, message));
      };
      if (req.params.tenant !== this.tenantId) {
        refuse(400, "invalid_request", 90002, `Tenant '${String(req.params.tenant)}' not found.`);
        return;
      }
      if (body.grant_type !== "refresh_token") {
        refuse(
          400,
          "unsupported_grant_type",
          70003,
          "The app requested an unsupported grant type.",
        );
        return;
      }
      if (body.client_id !== this.clientId) {
        refuse(400, "unauthorized_client", 700016, "Application not found in the directory.");
        return;
      }
      if (body.client_secret !== this.clientSecret) {
        refuse(401, "invalid_client", 7000215, "Invalid client secret provided.");
        return;
      }
      const presented = body.refresh_token ?? "";
      const entry = this.#refreshTokens.get(presented);
      if (entry === undefined || entry.revoked) {
        refuse(
          400,
          "invalid_grant",
          700082,
          "The refresh token has expired due to inactivity. The token was issued on 2026-01-01T00:00:00Z and was inactive for 90.00:00:00.",
        );
        return;
      }
      const rotated = this.#newRefreshToken();
      this.#addRefreshToken(rotated);
      if (this.#options.revokeUsedRefreshTokens ?? true) entry.revoked = true;
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
          amr: ["pwd", "mfa"],
          appid: this.clientId,
          scp: "user_impersonation",
          tid: this.tenantId,
          upn: "admin@contoso-partner.onmicrosoft.com",
        }),
        randomBytes(32).toString("base64url"),
      ].join(".");
      this.#accessTokens.set(accessToken, now + lifetime * 1000);
      res.type("application/json; charset=utf-8").send({
        token_type: "Bearer",
        scope: "user_impersonation",
        expires_in: String(lifetime),
        ext_expires_in: String(lifetime),
        expires_on: String(nowSeconds + lifetime),
        not_before: String(nowSeconds),
        resource: body.resource ?? RESOURCE,
        access_token: accessToken,
        refresh_token: rotated,
        id_token: `${base64url({ typ: "JWT", alg: "none" })}.${base64url({ tid: this.tenantId })}.`,
      });
    };
    app.post("/:tenant/oauth2/token", token);
    app.post("/:tenant/oauth2/v2.0/token", token);

    app.get(LICENSE_USAGE_PATH, async (req: Request, res: Response) => {
      const requestId = req.get("MS-RequestId") ?? randomUUID();
      res.set({
        "MS-RequestId": requestId,
        "MS-CorrelationId": req.get("MS-CorrelationId") ?? randomUUID(),
        "MS-CV": `${randomBytes(12).toString("base64")}.0`,
        "MS-ServerId": "101112012",
      });
      const authorized = this.#authorized(req);
      (res.locals.record as RecordedRequest).authorized = authorized;
      if (!authorized) {
        res
          .status(401)
          .set("WWW-Authenticate", `OAuth realm=urn:cpsvc:cpid:${this.#partnerId}`)
          .type("application/json; charset=utf-8")
          .send(apiErrorBody(401));
        return;
      }
      const fault = this.faults.take("usage");
      if (
        await this.#applyFault(fault, res, (status) =>
          apiErrorBody(
            status,
            fault?.retryAfter !== undefined ? Number(fault.retryAfter) : undefined,
          ),
        )
      ) {
        return;
      }
      if (this.#usageBody !== undefined) {
        res.type("application/json; charset=utf-8").send(this.#usageBody);
        return;
      }
      const items = this.#usageItems ?? demoUsageItems(this.#now());
      res.type("application/json; charset=utf-8").send({
        totalCount: items.length,
        items,
        attributes: { objectType: "Collection" },
      });
    });

    // Control plane for tests and demos that run the simulator in another process.
    app.post("/_simulator/faults", (req: Request, res: Response) => {
      const faults = Array.isArray(req.body) ? (req.body as Fault[]) : [req.body as Fault];
      this.faults.push(...faults);
      res.status(204).end();
    });
    app.delete("/_simulator/faults", (_req: Request, res: Response) => {
      this.faults.clear();
      res.status(204).end();
    });
    app.put("/_simulator/usage", (req: Request, res: Response) => {
      this.setUsageItems(Array.isArray(req.body) ? (req.body as unknown[]) : undefined);
      res.status(204).end();
    });
    app.use((_req: Request, res: Response) => {
      res.status(404).type("application/json; charset=utf-8").send(apiErrorBody(404));
    });
    return app;
  }

  #authorized(req: Request): boolean {
    const header = req.get("Authorization") ?? "";
    const match = /^Bearer (.+)$/.exec(header);
    if (match?.[1] === undefined) return false;
    const expiresAt = this.#accessTokens.get(match[1]);
    return expiresAt !== undefined && this.#now() < expiresAt;
  }
}
