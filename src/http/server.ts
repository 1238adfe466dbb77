import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import type { ListenAddress } from "../config/listen-address.js";
import type { ExporterMetrics } from "../metrics/exporter-metrics.js";
import { BasicAuthVerifier, basicAuth } from "./basic-auth.js";
import { renderLandingPage } from "./landing-page.js";
import { writeScrape } from "./scrape.js";
import { clientCertificateAccepted, reloadTlsOnChange, tlsServerOptions } from "./tls.js";
import { loadWebConfig, type WebConfig } from "./web-config.js";

export { WebConfigError } from "./web-config.js";

export interface AppOptions {
  readonly metrics: Pick<ExporterMetrics, "scrape" | "cachedScrape" | "ready" | "status">;
  readonly telemetryPath: string;
  readonly version: string;
  readonly logger: Logger;
  /** Basic auth users and extra response headers (from --web.config.file). */
  readonly web?: WebConfig | undefined;
}

/** Limits against slow or greedy clients; tests shorten the timeouts. */
export interface HttpLimits {
  /** Whole request head (slowloris: headers sent a byte at a time). */
  readonly headersTimeoutMs: number;
  /** Whole request. */
  readonly requestTimeoutMs: number;
  /** Idle keep-alive connection; above the 60s of common load balancers. */
  readonly keepAliveTimeoutMs: number;
  /** How often Node enforces the two timeouts above (its default, 30s, lets a slow client linger). */
  readonly checkIntervalMs: number;
  /** Request line plus headers; larger gets 431. */
  readonly maxHeaderBytes: number;
  /** How often certificate files are checked for a renewal. */
  readonly tlsReloadMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  checkIntervalMs: 1_000,
  maxHeaderBytes: 8 * 1024,
  tlsReloadMs: 30_000,
};

/** Headers on every answer: nosniff, and those the web config adds. */
function responseHeaders(web: WebConfig | undefined): Record<string, string> {
  return { "X-Content-Type-Options": "nosniff", ...web?.headers };
}

/** The exporter's HTTP surface: metrics, probes, a landing page; GET and HEAD only. */
export function createApp(options: AppOptions): Express {
  const { metrics, telemetryPath, version, logger, web } = options;
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);

  const headers = responseHeaders(web);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.set(headers);
    next();
  });
  // Like exporter-toolkit, basic auth guards every path: the unauthenticated see only a 401.
  if (web !== undefined && web.users.size > 0) {
    app.use(basicAuth(new BasicAuthVerifier(web.users)));
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === "GET" || req.method === "HEAD") {
      next();
      return;
    }
    res.set("Allow", "GET, HEAD").status(405).type("text/plain").send("method not allowed\n");
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    // Nothing here reads a body: refuse one rather than let the server drain it.
    const length = req.get("content-length");
    if (req.get("transfer-encoding") !== undefined || (length !== undefined && length !== "0")) {
      res.set("Connection", "close").status(413).type("text/plain").send("no request body\n");
      return;
    }
    next();
  });

  app.get(telemetryPath, async (req: Request, res: Response) => {
    // Answered from memory: a scrape never calls Partner Center.
    await writeScrape(metrics, req, res, {});
  });
  app.get("/healthz", (_req: Request, res: Response) => {
    res.type("text/plain").send("ok\n");
  });
  app.get("/readyz", (_req: Request, res: Response) => {
    if (metrics.ready) res.type("text/plain").send("ready\n");
    else res.status(503).type("text/plain").send("not ready: no successful poll yet\n");
  });
  app.get("/", (_req: Request, res: Response) => {
    res.type("html").send(renderLandingPage(version, telemetryPath, metrics.status));
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).type("text/plain").send("not found\n");
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, "request failed");
    res.status(500).type("text/plain").send("internal error\n");
  });
  return app;
}

/**
 * The server's request listener: scrapes of the telemetry path go straight to the cached body
 * (the hot path, without the framework's routing), everything else through the Express app. With
 * basic auth on, scrapes take the app's path too, behind the auth middleware.
 */
export function createRequestListener(options: AppOptions): RequestListener {
  const app = createApp(options);
  const { metrics, telemetryPath, web } = options;
  const headers = responseHeaders(web);
  const fastPath = web === undefined || web.users.size === 0;
  return (req, res) => {
    const url = req.url ?? "";
    const path = url.includes("?") ? url.slice(0, url.indexOf("?")) : url;
    const bodyless =
      req.headers["transfer-encoding"] === undefined &&
      (req.headers["content-length"] === undefined || req.headers["content-length"] === "0");
    if (
      fastPath &&
      path === telemetryPath &&
      (req.method === "GET" || req.method === "HEAD") &&
      bodyless
    ) {
      writeScrape(metrics, req, res, headers)?.catch((error: unknown) => {
        options.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          "scrape failed",
        );
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end("internal error\n");
      });
      return;
    }
    app(req, res);
  };
}

export interface RunningServer {
  readonly server: Server | HttpsServer;
  readonly url: string;
  close(graceMs: number): Promise<void>;
}

export interface ListenOptions {
  /** TLS from the web config; plain HTTP without it. */
  readonly web?: WebConfig | undefined;
  readonly logger?: Logger;
  readonly limits?: Partial<HttpLimits>;
}

/** Listens, with limits against slow clients; close() lets in-flight requests finish. */
export function listen(
  app: RequestListener,
  address: ListenAddress,
  options: ListenOptions = {},
): Promise<RunningServer> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const common = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
  const tls = options.web?.tls;
  const material = options.web?.tlsMaterial;
  let stopReload: () => void = () => undefined;
  let server: Server | HttpsServer;
  if (tls !== undefined && material !== undefined) {
    const secure = createHttpsServer({ ...common, ...tlsServerOptions(tls, material) }, app);
    secure.on("secureConnection", (socket: TLSSocket) => {
      if (!clientCertificateAccepted(socket, tls)) socket.destroy();
    });
    if (options.logger !== undefined) {
      stopReload = reloadTlsOnChange(secure, tls, material, options.logger, limits.tlsReloadMs);
    }
    server = secure;
  } else {
    server = createServer(common, app);
  }
  server.maxHeadersCount = 100;
  const scheme = tls !== undefined ? "https" : "http";
  return new Promise((resolve, reject) => {
    server.once("error", (error) => {
      stopReload();
      reject(error);
    });
    const listenOptions =
      address.host === undefined
        ? { port: address.port }
        : { port: address.port, host: address.host };
    server.listen(listenOptions, () => {
      const bound = server.address() as AddressInfo;
      const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
      const shownHost = address.host === undefined ? "localhost" : host;
      resolve({
        server,
        url: `${scheme}://${shownHost}:${bound.port}`,
        close: (graceMs) =>
          new Promise<void>((done) => {
            stopReload();
            const force = setTimeout(() => server.closeAllConnections(), graceMs);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}

export interface ServeOptions extends Omit<AppOptions, "web"> {
  readonly listen: ListenAddress;
  /** --web.config.file; undefined: plain HTTP, no auth. */
  readonly webConfigFile: string | undefined;
  readonly limits?: Partial<HttpLimits>;
}

/**
 * Reads the web config (a WebConfigError names the problem in one line), builds the app and
 * listens. A listen failure is rethrown as Node reported it (EADDRINUSE...).
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const web = await loadWebConfig(options.webConfigFile);
  const handler = createRequestListener({ ...options, web });
  return listen(handler, options.listen, {
    web,
    logger: options.logger,
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
  });
}
