import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordingServer {
  readonly url: string;
  /** Every request received: method, path and query, and body. */
  readonly received: { method: string; url: string; body: string }[];
  close(): Promise<void>;
}

/** The 3xx statuses that redirect. */
export const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;

/**
 * A real server on 127.0.0.1 port 0 that records every request and answers it with `answer`
 * (what a redirect's target could do with what it receives).
 */
export async function startRecordingServer(
  answer: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<RecordingServer> {
  const received: RecordingServer["received"] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The other host a redirect points at: it answers as if it were the authority and the API (its
 * own tokens, an empty page), so a client that followed would get something it could use.
 */
export function startRedirectTarget(): Promise<RecordingServer> {
  return startRecordingServer((req, res) => {
    const body =
      req.method === "POST"
        ? {
            access_token: "tok-from-other-host",
            refresh_token: "rt-from-other-host",
            expires_in: 3600,
          }
        : { Value: [], TotalCount: 0 };
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  });
}
