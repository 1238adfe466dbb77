import type { IncomingMessage, ServerResponse } from "node:http";
import Negotiator from "negotiator";
import type { Body } from "../metrics/body.js";

/** Where a scrape's answer comes from (the exporter's metrics). */
export interface ScrapeSource {
  body(openMetrics: boolean, gzip: boolean): Promise<Body>;
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
 * Answers a scrape from memory: the body for the negotiated format and encoding, with its
 * Content-Length; HEAD gets the same headers and no body.
 */
export async function writeScrape(
  source: ScrapeSource,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const gzip = acceptsGzip(req.headers["accept-encoding"]);
  const body = await source.body(wantsOpenMetrics(req.headers.accept), gzip);
  res.writeHead(200, {
    "Content-Type": body.contentType,
    "Content-Length": String(body.length),
    Vary: "Accept, Accept-Encoding",
    ...(gzip ? { "Content-Encoding": "gzip" } : {}),
  });
  if (req.method === "HEAD") res.end();
  else await body.writeTo(res);
}
