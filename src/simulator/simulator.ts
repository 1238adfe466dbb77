import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import express, { type Request, type Response } from "express";
import {
  CUSTOMER_DEPLOYMENT_PATH,
  CUSTOMER_USAGE_PATH,
  LICENSE_DEPLOYMENT_PATH,
  LICENSE_USAGE_PATH,
} from "../partner-center/paths.js";
import { type AuthorityOptions, SimulatedAuthority } from "./authority.js";
import {
  type AnalyticsKind,
  AnalyticsQueryError,
  type AnalyticsRow,
  aggregate,
  parseFilter,
  parseGroupBy,
} from "./commercial-analytics.js";
import { type CustomerProductRow, customerProductRows } from "./customer-data.js";
import { demoUsageItems, partnerDeploymentItems, processedDateTimeFor } from "./demo-data.js";
import { answerFault, type Endpoint, type Fault, FaultQueue } from "./faults.js";
import { byteOrderMark, type Quirk, quirkSet, REAL_QUIRKS } from "./quirks.js";

/** How the commercial endpoints write `@nextLink` (foreign: to another host, for tests). */
export type NextLinkStyle = "absolute" | "relative" | "none" | "foreign";

export interface SimulatorOptions extends AuthorityOptions {
  /** Customers in the commercial analytics (about 10 rows each); default 12 (the demo). */
  readonly customers?: number;
  readonly nextLinks?: NextLinkStyle;
  /** Serve HTTPS with this certificate (as the real services do), for proxy tunnels in tests. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

const DEMO_CUSTOMERS = 12;
const MAX_TOP = 10_000;

function pageOf(req: Request): number {
  const top = Number((req.query as Record<string, string | undefined>).top ?? MAX_TOP);
  const skip = Number((req.query as Record<string, string | undefined>).skip ?? 0);
  return top > 0 ? Math.floor(skip / top) + 1 : 1;
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

export { aadErrorBody } from "./authority.js";

/** The commercial usage example's spelling of licensesActive. */
function licenseActiveSpelling(row: AnalyticsRow): AnalyticsRow {
  const { licensesActive, ...rest } = row;
  return licensesActive === undefined ? row : { ...rest, licenseActive: licensesActive };
}

/** Partner Center's fault body: `code` as a string, as documented, or a number, as it comes. */
function faultBody(code: string, description: string, quirks: ReadonlySet<Quirk>): string {
  const numeric = quirks.has("numeric-fault-codes") && /^\d+$/.test(code);
  return JSON.stringify({
    code: numeric ? Number(code) : code,
    description,
    data: [],
    source: "PartnerFD",
  });
}

/** Partner Center's error body for a status (the 429 one has its own documented shape). */
export function apiErrorBody(
  status: number,
  retryAfterSeconds?: number,
  quirks: ReadonlySet<Quirk> = REAL_QUIRKS,
): string {
  if (status === 429) {
    const message = `Rate limit is exceeded. Try again in ${retryAfterSeconds ?? 57} seconds.`;
    return quirks.has("plain-throttle-body")
      ? JSON.stringify({ statusCode: 429, message })
      : faultBody("429", message, quirks);
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
  return faultBody(code, description, quirks);
}

/**
 * A loopback Partner Center: the token endpoint (refresh-token grant, rotating refresh tokens)
 * and the licence usage endpoint, with the documented headers and error bodies, plus faults.
 */
export class PartnerCenterSimulator {
  readonly faults = new FaultQueue();
  readonly requests: RecordedRequest[] = [];
  readonly authority: SimulatedAuthority;
  readonly #now: () => number;
  readonly #partnerId = randomUUID();
  #usageItems: unknown[] | undefined;
  #usageBody: string | undefined;
  readonly #customers: number;
  readonly #nextLinks: NextLinkStyle;
  readonly #quirks: ReadonlySet<Quirk>;
  readonly #tls: SimulatorOptions["tls"];
  #rows: readonly CustomerProductRow[] | undefined;
  #seed: number | undefined;
  readonly #aggregated = new Map<string, AnalyticsRow[]>();
  #server: Server | undefined;

  constructor(options: SimulatorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.authority = new SimulatedAuthority(options, this.faults);
    this.#customers = options.customers ?? DEMO_CUSTOMERS;
    this.#nextLinks = options.nextLinks ?? "absolute";
    this.#quirks = quirkSet(options.quirks);
    this.#tls = options.tls;
  }

  /** The real-world quirks it reproduces (see quirks.ts). */
  get quirks(): ReadonlySet<Quirk> {
    return this.#quirks;
  }

  get tenantId(): string {
    return this.authority.tenantId;
  }

  get clientId(): string {
    return this.authority.clientId;
  }

  get clientSecret(): string {
    return this.authority.clientSecret;
  }

  /** Every refresh token it handed out, oldest first (tests check none leaks). */
  get issuedRefreshTokens(): readonly string[] {
    return this.authority.issuedRefreshTokens;
  }

  /** The refresh token a new client should be configured with. */
  get initialRefreshToken(): string {
    return this.authority.initialRefreshToken;
  }

  /** The newest refresh token (the one a well-behaved client holds now). */
  get currentRefreshToken(): string {
    return this.authority.currentRefreshToken;
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
    this.authority.revokeRefreshToken(token);
  }

  /** Expires every access token now (the API then answers 401). */
  expireAccessTokens(): void {
    this.authority.expireAccessTokens();
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
    return `${this.#tls ? "https" : "http"}://127.0.0.1:${address.port}`;
  }

  async start(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = this.#tls
      ? createHttpsServer(this.#tls, this.#app())
      : createServer(this.#app());
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

  #app(): express.Express {
    const app = express();
    app.disable("x-powered-by");
    if (this.#quirks.has("utf8-bom")) app.use(byteOrderMark);
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

    this.authority.install(app, () => this.url);

    this.#apiRoute(app, LICENSE_USAGE_PATH, "usage", () => {
      if (this.#usageBody !== undefined) return this.#usageBody;
      const items = this.#usageItems ?? demoUsageItems(this.#now());
      return { totalCount: items.length, items, attributes: { objectType: "Collection" } };
    });
    this.#apiRoute(app, LICENSE_DEPLOYMENT_PATH, "deployment", () => {
      const items = partnerDeploymentItems(this.#customerRows(), this.#now());
      return { totalCount: items.length, items, attributes: { objectType: "Collection" } };
    });
    for (const [kind, path] of [
      ["usage", CUSTOMER_USAGE_PATH],
      ["deployment", CUSTOMER_DEPLOYMENT_PATH],
    ] as const) {
      const endpoint = kind === "usage" ? "customer-usage" : "customer-deployment";
      this.#apiRoute(
        app,
        [path, path.replace(/\/$/, "")],
        endpoint,
        (req) => this.#commercialPage(kind, req),
        (req) => pageOf(req),
      );
    }

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
      res
        .status(404)
        .type("application/json; charset=utf-8")
        .send(apiErrorBody(404, undefined, this.#quirks));
    });
    return app;
  }

  /**
   * One API endpoint: Partner Center's response headers, 401 without a valid access token, the
   * fault queue (per page), then the body `produce` returns (an object, or raw text).
   */
  #apiRoute(
    app: express.Express,
    path: string | string[],
    endpoint: Endpoint,
    produce: (req: Request) => unknown,
    page: (req: Request) => number = () => 1,
  ): void {
    app.get(path, async (req: Request, res: Response) => {
      res.set({
        "MS-RequestId": req.get("MS-RequestId") ?? randomUUID(),
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
          .send(apiErrorBody(401, undefined, this.#quirks));
        return;
      }
      const fault = this.faults.take(endpoint, page(req));
      const retryAfter = fault?.retryAfter !== undefined ? Number(fault.retryAfter) : undefined;
      if (await answerFault(fault, res, (status) => apiErrorBody(status, retryAfter, this.#quirks)))
        return;
      let body: unknown;
      try {
        body = produce(req);
      } catch (error) {
        if (!(error instanceof AnalyticsQueryError)) throw error;
        res
          .status(400)
          .type("application/json; charset=utf-8")
          .send(faultBody("400", error.message, this.#quirks));
        return;
      }
      res
        .type("application/json; charset=utf-8")
        .send(typeof body === "string" ? body : JSON.stringify(body));
    });
  }

  #customerRows(): readonly CustomerProductRow[] {
    this.#rows ??= customerProductRows(this.#customers, this.#seed);
    return this.#rows;
  }

  /** New customer data (another seed), as after Partner Center's next aggregation. */
  setCustomerSeed(seed: number): void {
    this.#seed = seed;
    this.#rows = undefined;
    this.#aggregated.clear();
  }

  /** One page of a commercial endpoint: groupby and filter applied, `top`/`skip`, `@nextLink`. */
  #commercialPage(kind: AnalyticsKind, req: Request): unknown {
    const q = req.query as Record<string, string | undefined>;
    const top = q.top === undefined ? MAX_TOP : Number(q.top);
    const skip = q.skip === undefined ? 0 : Number(q.skip);
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP || !Number.isInteger(skip) || skip < 0) {
      throw new AnalyticsQueryError(`top must be 1 to ${MAX_TOP} and skip 0 or more`);
    }
    const key = `${kind}|${q.groupby ?? ""}|${q.filter ?? ""}`;
    let rows = this.#aggregated.get(key);
    if (rows === undefined) {
      const groupBy = parseGroupBy(kind, q.groupby);
      const filter = q.filter ? parseFilter(kind, q.filter) : () => true;
      const processed = processedDateTimeFor(this.#now());
      rows = aggregate(
        kind,
        this.#customerRows().filter(filter),
        groupBy,
        this.#quirks.has("offsetless-datetimes") ? processed.replace("+00:00", "") : processed,
      );
      if (kind === "usage" && this.#quirks.has("license-active-spelling")) {
        rows = rows.map(licenseActiveSpelling);
      }
      this.#aggregated.set(key, rows);
    }
    const value = rows.slice(skip, skip + top);
    let nextLink: string | null = null;
    if (skip + top < rows.length && this.#nextLinks !== "none") {
      const next = new URL(req.originalUrl, this.url);
      next.searchParams.set("top", String(top));
      next.searchParams.set("skip", String(skip + top));
      nextLink =
        this.#nextLinks === "relative"
          ? `${next.pathname}${next.search}`
          : this.#nextLinks === "foreign"
            ? `http://partner-center.example.invalid${next.pathname}${next.search}`
            : next.href;
    }
    return { Value: value, "@nextLink": nextLink, TotalCount: rows.length };
  }

  #authorized(req: Request): boolean {
    const match = /^Bearer (.+)$/.exec(req.get("Authorization") ?? "");
    return match?.[1] !== undefined && this.authority.isValidAccessToken(match[1]);
  }
}
