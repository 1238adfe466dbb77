import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import {
  DEFAULT_HTTP_LIMITS,
  type HttpLimits,
  listen,
  type RunningServer,
} from "../../src/http/server.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { httpLayerOptions } from "./http-layer.js";

/** The HTTP surface against hostile clients: methods, sizes, slow clients, fingerprints. */

let harness: Harness | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await harness?.close();
  await server?.close(0);
  harness = undefined;
  server = undefined;
});

async function serveApp(limits: Partial<HttpLimits> = {}): Promise<RunningServer> {
  const app = createApp(httpLayerOptions());
  server = await listen(app, { host: "127.0.0.1", port: 0 }, { limits });
  return server;
}

interface RawExchange {
  /** Everything the server sent. */
  readonly received: string;
  /** How long until the server closed the connection. */
  readonly closedAfterMs: number;
}

/**
 * Writes `parts` to a raw TCP connection, `gapMs` apart, and collects what comes back until the
 * server closes (or `giveUpMs` passes: then the test fails, the server kept a slow client).
 */
function rawExchange(url: string, parts: string[], gapMs: number, giveUpMs: number) {
  const { hostname, port } = new URL(url);
  return new Promise<RawExchange>((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(Number(port), hostname);
    let received = "";
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs}ms`));
    }, giveUpMs);
    socket.on("data", (c: Buffer) => {
      received += c.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(giveUp);
      clearTimeout(timer);
      resolve({ received, closedAfterMs: Date.now() - started });
    });
    let i = 0;
    const next = (): void => {
      if (i >= parts.length || socket.destroyed) return;
      socket.write(parts[i++] ?? "");
      timer = setTimeout(next, gapMs);
    };
    socket.on("connect", next);
  });
}

describe("HTTP hardening", () => {
  it("keeps the production limits: 10 s for headers, 30 s per request, checked every second, 20 s idle", async () => {
    const running = await serveApp();
    expect(DEFAULT_HTTP_LIMITS).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      checkIntervalMs: 1_000,
      maxHeaderBytes: 8192,
    });
    expect(running.server.headersTimeout).toBe(10_000);
    expect(running.server.requestTimeout).toBe(30_000);
    expect(running.server.keepAliveTimeout).toBe(20_000);
  });

  it("cuts off a slowloris client that sends a header line every 100 ms (408, connection closed)", async () => {
    const { url } = await serveApp({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
      checkIntervalMs: 100,
    });
    const dribble = [
      "GET /metrics HTTP/1.1\r\nHost: x\r\n",
      ...Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: y\r\n`),
    ];
    const exchange = await rawExchange(url, dribble, 100, 5_000);
    expect(exchange.received).toMatch(/^HTTP\/1\.1 408 /);
    console.log(`slowloris cut off after ${exchange.closedAfterMs} ms (headers timeout 500 ms)`);
  });

  it("cuts off a client that connects and sends nothing", async () => {
    const { url } = await serveApp({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
      checkIntervalMs: 100,
    });
    const exchange = await rawExchange(url, [], 100, 5_000);
    expect(exchange.closedAfterMs).toBeGreaterThan(0);
  });

  it("refuses request bodies (413, connection closed) and oversized headers (431)", async () => {
    const { url } = await serveApp();
    const withBody = await rawExchange(
      url,
      ["GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", "x".repeat(1000)],
      20,
      5_000,
    );
    expect(withBody.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(withBody.received).toMatch(/\r\nConnection: close\r\n/i);
    const chunked = await rawExchange(
      url,
      ["GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "5\r\nhello\r\n"],
      20,
      5_000,
    );
    expect(chunked.received).toMatch(/^HTTP\/1\.1 413 /);
    const huge = await fetch(`${url}/metrics`, { headers: { "X-Big": "x".repeat(16 * 1024) } });
    expect(huge.status).toBe(431);
  });

  it("answers only GET and HEAD, and shows no framework fingerprint on any answer", async () => {
    harness = await startHarness();
    const { url } = harness.exporter;
    const answers = [
      ...(await Promise.all(
        [
          "/metrics",
          "/",
          "/healthz",
          "/readyz",
          "/nope",
          "/%ZZ",
          "/..%2f..%2fetc%2fpasswd",
          "//metrics",
        ].map((path) => fetch(`${url}${path}`)),
      )),
      ...(await Promise.all(
        ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"].map((method) =>
          fetch(`${url}/metrics`, { method }),
        ),
      )),
    ];
    const statuses = answers.map((a) => a.status);
    expect(statuses).toEqual([200, 200, 200, 200, 404, 404, 404, 404, 405, 405, 405, 405, 405]);
    for (const answer of answers) {
      expect(answer.headers.get("x-powered-by")).toBeNull();
      expect(answer.headers.get("server")).toBeNull();
      expect(answer.headers.get("etag")).toBeNull();
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      const body = await answer.text();
      expect(body).not.toMatch(/express|Cannot (GET|POST)|<pre>|at \w+ \(/i);
    }
    const trace = await rawExchange(
      url,
      ["TRACE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
      10,
      5_000,
    );
    expect(trace.received).toMatch(/^HTTP\/1\.1 405 /);
    const garbage = await rawExchange(url, ["\x16\x03\x01 not http at all\r\n\r\n"], 10, 5_000);
    expect(garbage.received).toMatch(/^HTTP\/1\.1 400 /);
  });
});
