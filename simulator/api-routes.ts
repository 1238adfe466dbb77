import { randomBytes, randomUUID } from "node:crypto";
import type { Express, Request, Response } from "express";
import { AnalyticsQueryError } from "./commercial-analytics.js";
import { apiErrorBody, faultBody, sendJson } from "./error-bodies.js";
import type { Endpoint, Intercept } from "./intercept.js";
import type { Quirk } from "./quirks.js";
import { recordOf } from "./request-log.js";

/** What every API route shares: the intercept, the quirks, who the caller must be. */
export interface ApiContext {
  readonly intercept: Intercept;
  readonly quirks: ReadonlySet<Quirk>;
  readonly partnerId: string;
  /** Whether the request carries a valid access token. */
  readonly authorized: (req: Request) => boolean;
}

/** A resource the partner does not have (an unknown customer): the API's 404. */
export class NotFoundError extends Error {}

/** One API endpoint: where it is, its name for an intercept, and what it answers. */
export interface ApiRoute {
  readonly path: string | string[];
  readonly endpoint: Endpoint;
  /** The body: an object (sent as JSON) or raw text; AnalyticsQueryError answers 400. */
  readonly produce: (req: Request) => unknown;
  /** Which page the request asks for (an intercept can target one); 1 unless paged. */
  readonly page?: (req: Request) => number;
}

/** Partner Center's response headers, echoing the request's ids when it sent them. */
function setApiHeaders(req: Request, res: Response): void {
  res.set({
    "MS-RequestId": req.get("MS-RequestId") ?? randomUUID(),
    "MS-CorrelationId": req.get("MS-CorrelationId") ?? randomUUID(),
    "MS-CV": `${randomBytes(12).toString("base64")}.0`,
    "MS-ServerId": "101112012",
  });
}

/**
 * Installs one API endpoint: Partner Center's response headers, 401 without a valid access
 * token, the intercept (a test's faults, per page), then the body `produce` returns.
 */
export function installApiRoute(app: Express, context: ApiContext, route: ApiRoute): void {
  const { intercept, quirks } = context;
  app.get(route.path, async (req: Request, res: Response) => {
    setApiHeaders(req, res);
    const authorized = context.authorized(req);
    const record = recordOf(res);
    if (record !== undefined) record.authorized = authorized;
    if (!authorized) {
      res.set("WWW-Authenticate", `OAuth realm=urn:cpsvc:cpid:${context.partnerId}`);
      sendJson(res, 401, apiErrorBody(401, undefined, quirks));
      return;
    }
    const errorBody = (status: number, retryAfter: number | undefined): string =>
      apiErrorBody(status, retryAfter, quirks);
    if (await intercept(route.endpoint, route.page?.(req) ?? 1, res, errorBody)) return;
    let body: unknown;
    try {
      body = route.produce(req);
    } catch (error) {
      if (error instanceof NotFoundError) {
        sendJson(res, 404, apiErrorBody(404, undefined, quirks));
        return;
      }
      if (!(error instanceof AnalyticsQueryError)) throw error;
      sendJson(res, 400, faultBody("400", error.message, quirks));
      return;
    }
    res
      .type("application/json; charset=utf-8")
      .send(typeof body === "string" ? body : JSON.stringify(body));
  });
}

/** Partner Center's 404 for any path it does not serve. */
export function installNotFound(app: Express, quirks: ReadonlySet<Quirk>): void {
  app.use((_req: Request, res: Response) => {
    sendJson(res, 404, apiErrorBody(404, undefined, quirks));
  });
}
