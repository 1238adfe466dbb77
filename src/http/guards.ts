import type { NextFunction, Request, RequestHandler, Response } from "express";
import { BASIC_AUTH_CHALLENGE, type BasicAuthVerifier, parseBasicAuth } from "./basic-auth.js";
import type { LiveWebConfig } from "./live-web-config.js";
import type { Refusals } from "./refusals.js";

/** On every answer (the web config's headers are added per request, beside it). */
export const NOSNIFF: Readonly<Record<string, string>> = { "X-Content-Type-Options": "nosniff" };

/** What guards every path: --web.config.file as it is now, its password checks, the refusals. */
export interface GuardOptions {
  readonly live?: LiveWebConfig | undefined;
  readonly verifier?: BasicAuthVerifier | undefined;
  readonly refusals?: Refusals | undefined;
}

function plain(res: Response, status: number, text: string): void {
  res.status(status).type("text/plain").send(text);
}

/**
 * The guards, in order, as exporter-toolkit's handler applies them: the web config's headers on
 * every answer and, when it has users, basic auth on every path (the unauthenticated see only a
 * 401; 503 when too many password checks wait), both as the file is now; then GET and HEAD only,
 * and no request body.
 */
export function guards(options: GuardOptions): RequestHandler[] {
  return [webConfig(options), onlyGetAndHead, noBody];
}

function webConfig({ live, verifier, refusals }: GuardOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.set(NOSNIFF);
    if (live === undefined) {
      next();
      return;
    }
    const state = live.current();
    if (!state.ok) {
      // Fail closed: without a good read, who may see what is unknown (once serving, the last good
      // configuration is kept instead, so this is only a guard).
      plain(res, 500, "internal error\n");
      return;
    }
    res.set(state.config.headers);
    const { users } = state.config;
    if (users.size === 0 || verifier === undefined) {
      next();
      return;
    }
    const credentials = parseBasicAuth(req.headers.authorization);
    const verdict = credentials
      ? verifier.verify(users, credentials.user, credentials.password)
      : Promise.resolve("denied" as const);
    void verdict.then((outcome) => {
      if (outcome === "granted") next();
      else if (outcome === "denied") {
        res.set("WWW-Authenticate", BASIC_AUTH_CHALLENGE);
        plain(res, 401, "unauthorized\n");
      } else {
        refusals?.refuse("auth_busy");
        res.set("Retry-After", "1");
        plain(res, 503, "too many password checks under way; try again\n");
      }
    });
  };
}

function onlyGetAndHead(req: Request, res: Response, next: NextFunction): void {
  if (req.method === "GET" || req.method === "HEAD") {
    next();
    return;
  }
  res.set("Allow", "GET, HEAD");
  plain(res, 405, "method not allowed\n");
}

/** Nothing here reads a body: refuse one rather than let the server drain it. */
function noBody(req: Request, res: Response, next: NextFunction): void {
  const length = req.get("content-length");
  if (req.get("transfer-encoding") !== undefined || (length !== undefined && length !== "0")) {
    res.set("Connection", "close");
    plain(res, 413, "no request body\n");
    return;
  }
  next();
}
