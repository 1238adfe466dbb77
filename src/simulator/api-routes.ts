import { randomBytes, randomUUID } from "node:crypto";
import type { Express, Request, Response } from "express";
import { AnalyticsQueryError } from "./commercial-analytics.js";
import { apiErrorBody, faultBody, sendJson } from "./error-bodies.js";
import { answerFault, type Endpoint, type FaultQueue } from "./faults.js";
import type { Quirk } from "./quirks.js";
import { recordOf } from "./request-log.js";

/** What every API route shares: the fault queue, the quirks, who the caller must be. */
export interface ApiContext {
  readonly faults: FaultQueue;
  readonly quirks: ReadonlySet<Quirk>;
  readonly partnerId: string;
  /** Whether the request carries a valid access token. */
  readonly authorized: (req: Request) => boolean;
}

/** A resource the partner does not have (an unknown customer): the API's 404. */
export class NotFoundError extends Error {}

/** One API endpoint: where it is, which fault target it is, and what it answers. */
export interface ApiRoute {
  readonly path: string | string[];
  readonly endpoint: Endpoint;
  /** The body: an object (sent as JSON) or raw text; AnalyticsQueryError answers 400. */
  readonly produce: (req: Request) => unknown;
  /** Which page the request asks for (faults can target one); 1 unless paged. */
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
 * token, the fault queue (per page), then the body `produce` returns.
 */
export function installApiRoute(app: Express, context: ApiContext, route: ApiRoute): void {
  const { faults, quirks } = context;
  app.get(route.path, async (req: Request, res: Response) => {
    setApiHeaders(req, res);
    const authorized = context.authorized(req);
    recordOf(res).authorized = authorized;
    if (!authorized) {
      res.set("WWW-Authenticate", `OAuth realm=urn:cpsvc:cpid:${context.partnerId}`);
      sendJson(res, 401, apiErrorBody(401, undefined, quirks));
      return;
    }
    const fault = faults.take(route.endpoint, route.page?.(req) ?? 1);
    const retryAfter = fault?.retryAfter !== undefined ? Number(fault.retryAfter) : undefined;
    if (await answerFault(fault, res, (status) => apiErrorBody(status, retryAfter, quirks))) return;
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
