import type { IncomingMessage, ServerResponse } from "node:http";
import type { ScrapeBody } from "../metrics/scrape-cache.js";

export interface ScrapeSource {
  scrape(openMetrics: boolean, gzip: boolean): Promise<ScrapeBody>;
  cachedScrape(openMetrics: boolean, gzip: boolean): ScrapeBody | undefined;
}

/** Whether Accept-Encoding allows gzip (absent, or with a q above 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(",").some((part) => {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") return false;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return q === undefined || Number(q) > 0;
  });
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
  return source
    .scrape(openMetrics, gzip)
    .then((body) => writeBody(req, res, body, gzip, extraHeaders));
}

function writeBody(
  req: IncomingMessage,
  res: ServerResponse,
  body: ScrapeBody,
  gzip: boolean,
  extraHeaders: Readonly<Record<string, string>>,
): void {
  res.writeHead(200, {
    ...extraHeaders,
    "Content-Type": body.contentType,
    "Content-Length": String(body.length),
    Vary: "Accept, Accept-Encoding",
    ...(gzip ? { "Content-Encoding": "gzip" } : {}),
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const [first, ...rest] = body.chunks;
  if (rest.length === 0) {
    res.end(first);
    return;
  }
  res.cork();
  for (const chunk of body.chunks) res.write(chunk);
  res.end();
}
