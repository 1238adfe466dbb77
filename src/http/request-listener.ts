import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { type AppOptions, createApp, NOSNIFF } from "./app.js";
import { BASIC_AUTH_CHALLENGE, BasicAuthVerifier, parseBasicAuth } from "./basic-auth.js";
import type { LiveWebConfig } from "./live-web-config.js";
import { pipelineGate } from "./pipeline-gate.js";
import type { Refusals } from "./refusals.js";
import { writeScrape } from "./scrape.js";

export interface RequestListenerOptions extends AppOptions {
  /** --web.config.file as it is now: users and headers, read for every request. */
  readonly live?: LiveWebConfig | undefined;
  readonly refusals: Refusals;
}

/** The listener, and what stops its password-check workers. */
export interface HttpHandler {
  readonly listener: RequestListener;
  close(): Promise<void>;
}

function plain(res: ServerResponse, status: number, body: string, headers = {}): void {
  res.writeHead(status, {
    ...NOSNIFF,
    ...headers,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function isBodylessScrape(req: IncomingMessage, telemetryPath: string): boolean {
  const url = req.url ?? "";
  const path = url.includes("?") ? url.slice(0, url.indexOf("?")) : url;
  return (
    path === telemetryPath &&
    (req.method === "GET" || req.method === "HEAD") &&
    req.headers["transfer-encoding"] === undefined &&
    (req.headers["content-length"] === undefined || req.headers["content-length"] === "0")
  );
}

const HEALTHY = "ok\n";

/** A liveness probe: answered here as the app would, without the framework (probes come often). */
function isHealthProbe(req: IncomingMessage): boolean {
  return (
    req.url === "/healthz" &&
    (req.method === "GET" || req.method === "HEAD") &&
    req.headers["transfer-encoding"] === undefined &&
    (req.headers["content-length"] === undefined || req.headers["content-length"] === "0")
  );
}

/**
 * The server's request listener. As exporter-toolkit's handler: the web config's headers go on
 * every answer and, when it has users, basic auth guards every path (the unauthenticated see only
 * a 401; 503 when too many password checks wait), both as the file is now. Then scrapes of the
 * telemetry path go straight to the cached body (the hot path, without the framework's routing);
 * everything else through the Express app. Pipelined requests wait for the answer before them.
 */
export function createRequestListener(options: RequestListenerOptions): HttpHandler {
  const app = createApp(options);
  const { metrics, telemetryPath, live, logger, refusals } = options;
  const verifier = new BasicAuthVerifier();
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    if (isHealthProbe(req)) {
      res.writeHead(200, {
        ...NOSNIFF,
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": String(HEALTHY.length),
      });
      res.end(req.method === "HEAD" ? undefined : HEALTHY);
      return;
    }
    if (!isBodylessScrape(req, telemetryPath)) {
      app(req, res);
      return;
    }
    writeScrape(metrics, req, res, NOSNIFF)?.catch((error: unknown) => {
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        "scrape failed",
      );
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("internal error\n");
    });
  };
  const guarded: RequestListener = (req, res) => {
    if (live === undefined) {
      dispatch(req, res);
      return;
    }
    const state = live.current();
    if (!state.ok) {
      // Fail closed: without a good read, who may see what is unknown (once serving, the last good
      // configuration is kept instead, so this is only a guard).
      plain(res, 500, "internal error\n");
      return;
    }
    for (const [name, value] of Object.entries(state.config.headers)) res.setHeader(name, value);
    const { users } = state.config;
    if (users.size === 0) {
      dispatch(req, res);
      return;
    }
    const credentials = parseBasicAuth(req.headers.authorization);
    const verdict = credentials
      ? verifier.verify(users, credentials.user, credentials.password)
      : Promise.resolve("denied" as const);
    verdict.then((outcome) => {
      if (outcome === "granted") dispatch(req, res);
      else if (outcome === "denied") {
        plain(res, 401, "unauthorized\n", { "WWW-Authenticate": BASIC_AUTH_CHALLENGE });
      } else {
        refusals.refuse("auth_busy");
        plain(res, 503, "too many password checks under way; try again\n", { "Retry-After": "1" });
      }
    });
  };
  return {
    listener: pipelineGate(guarded, () => refusals.refuse("pipeline_depth")),
    close: () => verifier.close(),
  };
}
