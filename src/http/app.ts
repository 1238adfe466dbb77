import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { type GuardOptions, guards } from "./guards.js";
import { type LastPollView, renderLandingPage } from "./landing-page.js";
import { type ScrapeSource, writeScrape } from "./scrape.js";

export { NOSNIFF } from "./guards.js";

/**
 * What /readyz and the landing page read: the poller's status, handed over by the exporter's
 * wiring (the HTTP layer knows its shape, never the poller).
 */
export interface PollStatusView extends LastPollView {
  /** Whether a poll has fully succeeded. */
  readonly ready: boolean;
}

export interface AppOptions extends GuardOptions {
  readonly metrics: ScrapeSource;
  readonly pollStatus: PollStatusView;
  readonly telemetryPath: string;
  readonly version: string;
  readonly logger: Logger;
}

/**
 * The exporter's HTTP surface, one route table behind one set of guards: metrics (the telemetry
 * path, with or without a trailing slash), probes, a landing page; GET and HEAD only.
 */
export function createApp(options: AppOptions): Express {
  const { metrics, pollStatus, telemetryPath, version, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);
  app.use(guards(options));

  app.get(telemetryPath, async (req: Request, res: Response) => {
    // Answered from memory: a scrape never calls Partner Center.
    await writeScrape(metrics, req, res);
  });
  app.get("/healthz", (_req: Request, res: Response) => {
    res.type("text/plain").send("ok\n");
  });
  app.get("/readyz", (_req: Request, res: Response) => {
    if (pollStatus.ready) res.type("text/plain").send("ready\n");
    else res.status(503).type("text/plain").send("not ready: no successful poll yet\n");
  });
  app.get("/", (_req: Request, res: Response) => {
    res.type("html").send(renderLandingPage(version, telemetryPath, pollStatus));
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).type("text/plain").send("not found\n");
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, "request failed");
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(500).type("text/plain").send("internal error\n");
  });
  return app;
}
