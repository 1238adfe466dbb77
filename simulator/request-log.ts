import type { NextFunction, Request, RequestHandler, Response } from "express";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Whether a valid access token came with it (the token itself is never recorded). */
  authorized: boolean;
  /** The status answered; 0 while unanswered (or never, for a hang). */
  status: number;
  /** When it arrived, by the simulator's clock (a test proves a pace with it). */
  readonly at: number;
}

const MAX_RECORDED = 1000;

/**
 * Express middleware that records every request into `requests` (the newest 1000) on arrival, so
 * a request still waiting on a delay fault is already visible; routes find it in `res.locals`.
 */
export function recordRequests(
  requests: RecordedRequest[],
  now: () => number = Date.now,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
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
      at: now(),
    };
    requests.push(record);
    if (requests.length > MAX_RECORDED) requests.shift();
    res.locals.record = record;
    res.on("finish", () => {
      record.status = res.statusCode;
    });
    next();
  };
}

/** The record `recordRequests` made of this request; undefined when nothing records. */
export function recordOf(res: Response): RecordedRequest | undefined {
  return res.locals.record as RecordedRequest | undefined;
}
