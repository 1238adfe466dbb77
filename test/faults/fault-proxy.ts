import { createServer, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { LICENSE_USAGE_PATH } from "../../src/partner-center/paths.js";

/**
 * Misbehaviours the simulator cannot produce because they happen below HTTP's answer: the
 * connection breaks, or the body stalls or never ends, after the status line was sent, or the
 * body arrives whole but its gzip encoding is corrupt.
 */
export type ProxyFault = "reset-mid-body" | "stall-mid-body" | "endless-body" | "corrupt-gzip";

export interface FaultProxy {
  readonly url: string;
  /** Applied in order, one per request to the usage endpoint. */
  readonly faults: ProxyFault[];
  /** Bytes written by endless bodies so far (what a client that never stops reading would hold). */
  endlessBytes(): number;
  close(): Promise<void>;
}

const CHUNK = Buffer.from(`{"padding":"${"x".repeat(64 * 1024)}"},`);

/** A reverse proxy to `target` (the simulator) that injects transport faults into usage answers. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const faults: ProxyFault[] = [];
  const sockets = new Set<Socket>();
  let endless = 0;

  const forward = (
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const upstream = request(`${target}${path}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") out[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
        });
      });
      upstream.on("error", reject);
      upstream.end(body);
    });

  const endlessBody = (res: ServerResponse): void => {
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
    res.write('{"items":[');
    const pump = (): void => {
      while (!res.destroyed) {
        endless += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once("drain", pump);
          return;
        }
      }
    };
    pump();
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const fault = path.startsWith(LICENSE_USAGE_PATH) ? faults.shift() : undefined;
      if (fault === "endless-body") {
        endlessBody(res);
        return;
      }
      const headers = { ...req.headers, host: new URL(target).host };
      forward(req.method ?? "GET", path, headers, Buffer.concat(chunks)).then(
        (answer) => {
          if (fault === undefined) {
            res.writeHead(answer.status, answer.headers).end(answer.body);
            return;
          }
          if (fault === "corrupt-gzip") {
            // Whole and well framed, but its CRC-32 does not match the data: a damaged body.
            const gzipped = gzipSync(answer.body);
            const crc = gzipped.length - 8;
            gzipped[crc] = (gzipped[crc] ?? 0) ^ 0xff;
            const { "content-length": _length, ...headers } = answer.headers;
            res.writeHead(answer.status, { ...headers, "content-encoding": "gzip" }).end(gzipped);
            return;
          }
          // The full length is announced, half of it arrives, then nothing (or a reset).
          const padded = Buffer.concat([answer.body, Buffer.alloc(4096, " ")]);
          res.writeHead(answer.status, {
            ...answer.headers,
            "content-length": String(padded.length),
          });
          res.write(padded.subarray(0, padded.length / 2));
          if (fault === "reset-mid-body") setTimeout(() => res.socket?.resetAndDestroy(), 20);
        },
        () => res.socket?.destroy(),
      );
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    endlessBytes: () => endless,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
