import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import express, { type Request } from "express";
import {
  CUSTOMER_DEPLOYMENT_PATH,
  CUSTOMER_USAGE_PATH,
  CUSTOMERS_PATH,
  LICENSE_DEPLOYMENT_PATH,
  LICENSE_USAGE_PATH,
} from "../src/partner-center/paths.js";
import { type ApiContext, installApiRoute, installNotFound, NotFoundError } from "./api-routes.js";
import { type AuthorityOptions, SimulatedAuthority } from "./authority.js";
import { CommercialPages, type NextLinkStyle, pageOf } from "./commercial-pages.js";
import { demoUsageItems, partnerDeploymentItems } from "./demo-data.js";
import { type Intercept, NO_INTERCEPT } from "./intercept.js";
import { byteOrderMark, type Quirk, quirkSet } from "./quirks.js";
import { type RecordedRequest, recordRequests } from "./request-log.js";
import { SubscriptionPages } from "./subscription-pages.js";

export { aadErrorBody } from "./authority.js";
export type { NextLinkStyle } from "./commercial-pages.js";
export type { RecordedRequest } from "./request-log.js";

export interface SimulatorOptions extends AuthorityOptions {
  /** Customers in the commercial analytics (about 10 rows each); default 12 (the demo). */
  readonly customers?: number;
  readonly nextLinks?: NextLinkStyle;
  /**
   * Record every request in `requests` (the newest 1000), for tests that check what the exporter
   * asked; off in the shipped --demo and `simulator` command.
   */
  readonly recordRequests?: boolean;
  /** Asked before every answer (a test's faults); none in the shipped --demo and command. */
  readonly intercept?: Intercept;
  /** Serve HTTPS with this certificate (as the real services do), for proxy tunnels in tests. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

const DEMO_CUSTOMERS = 12;

/** The legacy endpoints' collection body. */
function collection(items: unknown[]): unknown {
  return { totalCount: items.length, items, attributes: { objectType: "Collection" } };
}

/**
 * A loopback Partner Center and Entra ID: the token endpoint (every grant, rotating refresh
 * tokens), sign-in and device code, the licence analytics, customers and subscriptions, with the
 * documented headers and error bodies. Only the code that creates it can make it misbehave
 * (`intercept`): nothing over HTTP can.
 */
export class PartnerCenterSimulator {
  readonly requests: RecordedRequest[] = [];
  readonly authority: SimulatedAuthority;
  readonly #now: () => number;
  readonly #partnerId = randomUUID();
  #usageItems: unknown[] | undefined;
  #usageBody: string | undefined;
  readonly #quirks: ReadonlySet<Quirk>;
  readonly #tls: SimulatorOptions["tls"];
  readonly #recording: boolean;
  readonly #intercept: Intercept;
  readonly #commercial: CommercialPages;
  readonly #subscriptions: SubscriptionPages;
  #server: Server | undefined;

  constructor(options: SimulatorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#intercept = options.intercept ?? NO_INTERCEPT;
    this.authority = new SimulatedAuthority(options, this.#intercept);
    this.#quirks = quirkSet(options.quirks);
    this.#tls = options.tls;
    this.#recording = options.recordRequests ?? false;
    this.#commercial = new CommercialPages({
      customers: options.customers ?? DEMO_CUSTOMERS,
      nextLinks: options.nextLinks ?? "absolute",
      quirks: this.#quirks,
      now: this.#now,
    });
    this.#subscriptions = new SubscriptionPages({
      rows: () => this.#commercial.customerRows(),
      quirks: this.#quirks,
      now: this.#now,
    });
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

  /** New customer data (another seed), as after Partner Center's next aggregation. */
  setCustomerSeed(seed: number): void {
    this.#commercial.setSeed(seed);
  }

  /** The customers `GET /v1/customers` lists (the commercial analytics' tenant ids). */
  customers(): readonly { readonly id: string; readonly name: string }[] {
    return this.#subscriptions.customers();
  }

  /** Serve this for a customer's subscriptions (an items array, or any body); undefined: the data. */
  setSubscriptions(customerId: string, body: unknown): void {
    this.#subscriptions.setSubscriptions(customerId, body);
  }

  /** The partner no longer has this customer (gone from the list). */
  removeCustomer(customerId: string): void {
    this.#subscriptions.removeCustomer(customerId);
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
    // Listening on every interface, it is reached on loopback.
    const any = address.address === "0.0.0.0" || address.address === "::";
    const host = any
      ? "127.0.0.1"
      : address.family === "IPv6"
        ? `[${address.address}]`
        : address.address;
    return `${this.#tls ? "https" : "http"}://${host}:${address.port}`;
  }

  /** Listens on host:port (every interface when host is undefined); returns its URL. */
  async start(port = 0, host: string | undefined = "127.0.0.1"): Promise<string> {
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
    if (this.#recording) app.use(recordRequests(this.requests, this.#now));
    app.use(express.urlencoded({ extended: false, limit: "64kb" }));
    app.use(express.json({ limit: "64mb" }));
    this.authority.install(app, () => this.url);
    this.#installApi(app);
    installNotFound(app, this.#quirks);
    return app;
  }

  /** The four licence analytics endpoints, the customer list and the subscriptions. */
  #installApi(app: express.Express): void {
    const context: ApiContext = {
      intercept: this.#intercept,
      quirks: this.#quirks,
      partnerId: this.#partnerId,
      authorized: (req) => this.#authorized(req),
    };
    installApiRoute(app, context, {
      path: LICENSE_USAGE_PATH,
      endpoint: "usage",
      produce: () => this.#usageBody ?? collection(this.#usageItems ?? demoUsageItems(this.#now())),
    });
    installApiRoute(app, context, {
      path: LICENSE_DEPLOYMENT_PATH,
      endpoint: "deployment",
      produce: () =>
        collection(partnerDeploymentItems(this.#commercial.customerRows(), this.#now())),
    });
    for (const [kind, path] of [
      ["usage", CUSTOMER_USAGE_PATH],
      ["deployment", CUSTOMER_DEPLOYMENT_PATH],
    ] as const) {
      installApiRoute(app, context, {
        path: [path, path.replace(/\/$/, "")],
        endpoint: kind === "usage" ? "customer-usage" : "customer-deployment",
        produce: (req) => this.#commercial.page(kind, req, this.url),
        page: pageOf,
      });
    }
    installApiRoute(app, context, {
      path: CUSTOMERS_PATH,
      endpoint: "customers",
      produce: (req) => this.#subscriptions.customersPage(req, this.url),
      page: (req) => this.#subscriptions.pageOf(req),
    });
    installApiRoute(app, context, {
      path: `${CUSTOMERS_PATH}/:customerId/subscriptions`,
      endpoint: "subscriptions",
      produce: (req) => {
        const body = this.#subscriptions.subscriptions(String(req.params.customerId));
        if (body === undefined) throw new NotFoundError();
        return body;
      },
    });
  }

  #authorized(req: Request): boolean {
    const match = /^Bearer (.+)$/.exec(req.get("Authorization") ?? "");
    return match?.[1] !== undefined && this.authority.isValidAccessToken(match[1]);
  }
}
