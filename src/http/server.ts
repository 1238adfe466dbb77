import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import type { ListenAddress } from "../config/listen-address.js";
import type { ExporterMetrics } from "../metrics/exporter-metrics.js";
import { renderLandingPage } from "./landing-page.js";

export interface AppOptions {
  readonly metrics: Pick<ExporterMetrics, "registry" | "ready" | "status">;
  readonly telemetryPath: string;
  readonly version: string;
  readonly logger: Logger;
}

/** The exporter's HTTP surface: metrics, probes, a landing page; GET and HEAD only. */
export function createApp(options: AppOptions): Express {
  const { metrics, telemetryPath, version, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === "GET" || req.method === "HEAD") {
      next();
      return;
    }
    res.set("Allow", "GET, HEAD").status(405).type("text/plain").send("method not allowed\n");
  });

  app.get(telemetryPath, async (_req: Request, res: Response) => {
    // Answered from memory: a scrape never calls Partner Center.
    const body = await metrics.registry.metrics();
    res.set("Content-Type", metrics.registry.contentType).send(body);
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

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  close(graceMs: number): Promise<void>;
}

/** Listens, with timeouts against slow clients; close() lets in-flight requests finish. */
export function listen(app: Express, address: ListenAddress): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 65_000;
    server.once("error", reject);
    const options =
      address.host === undefined
        ? { port: address.port }
        : { port: address.port, host: address.host };
    server.listen(options, () => {
      const bound = server.address() as AddressInfo;
      const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
      const shownHost = address.host === undefined ? "localhost" : host;
      resolve({
        server,
        url: `http://${shownHost}:${bound.port}`,
        close: (graceMs) =>
          new Promise<void>((done) => {
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
