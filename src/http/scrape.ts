import type { IncomingMessage, ServerResponse } from "node:http";
import Negotiator from "negotiator";
import { inflatePiece } from "../metrics/gzip-stream.js";
import type { ScrapeBody, ScrapeParts } from "../metrics/scrape-cache.js";

export interface ScrapeSource {
  scrape(openMetrics: boolean, gzip: boolean): Promise<ScrapeBody>;
  cachedScrape(openMetrics: boolean, gzip: boolean): ScrapeBody | undefined;
  /** The body as it is kept (compressed pieces inflated as written); without it, scrape()'s. */
  scrapeParts?(openMetrics: boolean, gzip: boolean): Promise<ScrapeParts>;
}

/**
 * Whether Accept-Encoding allows gzip, by RFC 9110's rules (negotiator, as express negotiates):
 * `gzip;q=0` refuses it even beside `*`, `*;q=0` refuses what is not listed, absent means identity.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return new Negotiator({ headers: { "accept-encoding": header } }).encodings(["gzip"]).length > 0;
}

/** Whether the scraper asks for OpenMetrics (Prometheus does when it is enabled) over the text format. */
export function wantsOpenMetrics(header: string | undefined): boolean {
  if (header === undefined) return false;
  let openMetrics = 0;
  let text = 0;
  for (const part of header.split(",")) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const qText = params
      .map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1])
      .find((v) => v !== undefined);
    const q = qText === undefined ? 1 : Number(qText);
    if (type.trim() === "application/openmetrics-text") openMetrics = Math.max(openMetrics, q);
    else if (type.trim() === "text/plain") text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text;
}

/**
 * Answers a scrape from memory: the cached body for the negotiated format and encoding, with its
 * Content-Length; HEAD gets the same headers and no body.
 */
export function writeScrape(
  source: ScrapeSource,
  req: IncomingMessage,
  res: ServerResponse,
  extraHeaders: Readonly<Record<string, string>>,
): Promise<void> | undefined {
  const gzip = acceptsGzip(req.headers["accept-encoding"]);
  const openMetrics = wantsOpenMetrics(req.headers.accept);
  // Most scrapes find the body unchanged: answer them without a promise.
  const cached = source.cachedScrape(openMetrics, gzip);
  if (cached !== undefined) {
    writeBody(req, res, cached, gzip, extraHeaders);
    return undefined;
  }
  const body: Promise<ScrapeBody | ScrapeParts> =
    source.scrapeParts?.(openMetrics, gzip) ?? source.scrape(openMetrics, gzip);
  return body.then((b) => writeBody(req, res, b, gzip, extraHeaders));
}

function writeBody(
  req: IncomingMessage,
  res: ServerResponse,
  body: ScrapeBody | ScrapeParts,
  gzip: boolean,
  extraHeaders: Readonly<Record<string, string>>,
): Promise<void> | undefined {
  res.writeHead(200, {
    ...extraHeaders,
    "Content-Type": body.contentType,
    "Content-Length": String(body.length),
    Vary: "Accept, Accept-Encoding",
    ...(gzip ? { "Content-Encoding": "gzip" } : {}),
  });
  if (req.method === "HEAD") {
    res.end();
    return undefined;
  }
  const inMemory = "chunks" in body ? body : body.inMemory;
  if (inMemory === undefined) return writeInflating(res, (body as ScrapeParts).parts);
  const { chunks } = inMemory;
  const [first, ...rest] = chunks;
  if (rest.length === 0) {
    res.end(first);
    return undefined;
  }
  res.cork();
  for (const chunk of chunks) res.write(chunk);
  res.end();
  return undefined;
}

/**
 * A plain body whose large segments are kept compressed: each piece inflated as it is written,
 * one at a time, waiting for the socket to drain, so a plain scrape never holds the whole text.
 */
async function writeInflating(res: ServerResponse, parts: ScrapeParts["parts"]): Promise<void> {
  for (const chunk of parts) {
    if (res.destroyed) return;
    const bytes = Buffer.isBuffer(chunk) ? chunk : await inflatePiece(chunk);
    if (!res.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
  res.end();
}
