import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { ListenAddress } from "../config/listen-address.js";
import type { HttpObserver } from "../metrics/http-recorder.js";
import { type AppOptions, createApp } from "./app.js";
import { BasicAuthVerifier } from "./basic-auth.js";
import { connectionCap, type OpenFileLimits, openFileLimits } from "./connection-cap.js";
import {
  describeTarget,
  type ListenTarget,
  listenFailure,
  systemdTargets,
} from "./listen-targets.js";
import type { LiveWebConfig } from "./live-web-config.js";
import { dropRequestsAfterClose, pipelineGate } from "./pipeline-gate.js";
import { Refusals } from "./refusals.js";
import { tlsServerOptions } from "./tls.js";
import { TlsGuard } from "./tls-guard.js";
import { loadWebConfig, type StartupTls } from "./web-config.js";

export { ListenError } from "./listen-targets.js";
export { WebConfigError } from "./web-config.js";

/** Limits against slow or greedy clients; tests shorten the timeouts. */
export interface HttpLimits {
  /** Whole request head (slowloris: headers sent a byte at a time). */
  readonly headersTimeoutMs: number;
  /** Whole request. */
  readonly requestTimeoutMs: number;
  /**
   * Idle keep-alive connection: above a 15 s scrape interval, so Prometheus reuses its connection
   * there; longer intervals reconnect (cheap at that rate), and idle sockets hold no descriptor
   * for long.
   */
  readonly keepAliveTimeoutMs: number;
  /** How often Node enforces the two timeouts above (its default, 30s, lets a slow client linger). */
  readonly checkIntervalMs: number;
  /** Request line plus headers; larger gets 431. */
  readonly maxHeaderBytes: number;
  /** Connections per listener; undefined: below the descriptor limit (connectionCap). */
  readonly maxConnections: number | undefined;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 20_000,
  checkIntervalMs: 1_000,
  maxHeaderBytes: 8 * 1024,
  maxConnections: undefined,
};

export interface RunningServer {
  /** The first listener's server (of several with repeated --web.listen-address). */
  readonly server: Server | HttpsServer;
  /** The first listener's URL. */
  readonly url: string;
  /** Every listener's URL, in the order given. */
  readonly urls: readonly string[];
  close(graceMs: number): Promise<void>;
}

export interface ListenOptions {
  /** TLS from the web config, re-applied per connection as the file changes; plain HTTP without. */
  readonly tls?: { readonly initial: StartupTls; readonly live: LiveWebConfig } | undefined;
  readonly logger?: Logger;
  readonly limits?: Partial<HttpLimits>;
  /** Where connections turned away at the cap are counted and logged. */
  readonly refusals?: Refusals;
}

function createListener(app: RequestListener, options: ListenOptions): Server | HttpsServer {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const server = createServerOf(app, limits, options);
  if (limits.maxConnections !== undefined) server.maxConnections = limits.maxConnections;
  // Past the cap Node closes each new connection at once; "drop" says so.
  server.on("drop", () => options.refusals?.refuse("connection_limit"));
  // After Node's own listener, which gives the socket its parser.
  server.on(options.tls === undefined ? "connection" : "secureConnection", dropRequestsAfterClose);
  return server;
}

function createServerOf(
  app: RequestListener,
  limits: HttpLimits,
  options: ListenOptions,
): Server | HttpsServer {
  const common = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
  const tls = options.tls;
  if (tls === undefined) return createServer(common, app);
  const { policy, material } = tls.initial;
  const secure = createHttpsServer({ ...common, ...tlsServerOptions(policy, material) }, app);
  new TlsGuard(secure, tls.live, tls.initial, options.logger);
  return secure;
}

function urlOf(server: Server | HttpsServer, target: ListenTarget, scheme: string): string {
  const bound = server.address() as AddressInfo | string;
  if (typeof bound === "string") return `${scheme}+unix://${bound}`;
  const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  const shown = "address" in target && target.address.host === undefined ? "localhost" : host;
  return `${scheme}://${shown}:${bound.port}`;
}

function closer(server: Server | HttpsServer): (graceMs: number) => Promise<void> {
  return (graceMs) =>
    new Promise<void>((done) => {
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(force);
        done();
      });
      server.closeIdleConnections();
    });
}

/** Listens on one address or passed socket; close() lets in-flight requests finish. */
export function listen(
  app: RequestListener,
  where: ListenAddress | ListenTarget,
  options: ListenOptions = {},
): Promise<RunningServer> {
  const target: ListenTarget = "port" in where ? { address: where } : where;
  const server = createListener(app, options);
  server.maxHeadersCount = 100;
  const scheme = options.tls !== undefined ? "https" : "http";
  return new Promise((resolve, reject) => {
    server.once("error", (error) => reject(listenFailure(target, error)));
    const { address } = "address" in target ? target : { address: undefined };
    const at =
      address === undefined
        ? { fd: "fd" in target ? target.fd : -1 }
        : { port: address.port, ...(address.host !== undefined ? { host: address.host } : {}) };
    server.listen(at, () => {
      const url = urlOf(server, target, scheme);
      resolve({ server, url, urls: [url], close: closer(server) });
    });
  });
}

export interface ServeOptions extends AppOptions {
  /** --web.listen-address, repeatable: one listener each. */
  readonly listen: readonly ListenAddress[];
  /** --web.systemd-socket: the sockets systemd passed instead of the addresses. */
  readonly systemdSocket?: boolean;
  /** Where LISTEN_FDS and LISTEN_PID are read (and then unset). */
  readonly env?: Record<string, string | undefined>;
  /** --web.config.file; undefined: plain HTTP, no auth. */
  readonly webConfigFile: string | undefined;
  readonly limits?: Partial<HttpLimits>;
  /** Where refusals and unusable web config reloads are counted. */
  readonly httpObserver?: HttpObserver;
  /** The process's descriptor limits (read from /proc/self/limits when not given). */
  readonly openFiles?: OpenFileLimits | undefined;
}

/** Below the soft descriptor limit, shared by the listeners; warns when the soft one could be raised. */
function limitsFor(options: ServeOptions, listeners: number): Partial<HttpLimits> {
  const files = "openFiles" in options ? options.openFiles : openFileLimits();
  const given = options.limits ?? {};
  if (files === undefined || given.maxConnections !== undefined) return given;
  const maxConnections = connectionCap(files.soft, listeners);
  if (files.soft < files.hard) {
    options.logger.warn(
      { soft: files.soft, hard: files.hard, maxConnections },
      "the open-file soft limit is below the hard limit: raise it (ulimit -n, LimitNOFILE=) to serve more connections; the image does",
    );
  }
  return { ...given, maxConnections };
}

/**
 * Reads the web config (a WebConfigError names the problem in one line), builds the app and
 * listens on every address, or on systemd's sockets. A listener that fails closes the others and
 * is reported as a ListenError naming the setting and the address.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const web = await loadWebConfig(options.webConfigFile, options.logger, options.httpObserver);
  const refusals = new Refusals(options.httpObserver, options.logger);
  const verifier = new BasicAuthVerifier();
  const app = createApp({ ...options, live: web?.live, verifier, refusals });
  const listener = pipelineGate(app, () => refusals.refuse("pipeline_depth"));
  const targets: ListenTarget[] = options.systemdSocket
    ? systemdTargets(options.env ?? process.env)
    : options.listen.map((address) => ({ address }));
  const listenOptions: ListenOptions = {
    tls: web?.tls === undefined ? undefined : { initial: web.tls, live: web.live },
    logger: options.logger,
    limits: limitsFor(options, targets.length),
    refusals,
  };
  const settled = await Promise.allSettled(targets.map((t) => listen(listener, t, listenOptions)));
  const running = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed !== undefined || running.length === 0) {
    await Promise.all(running.map((r) => r.close(0)));
    await verifier.close();
    throw (
      failed?.reason ??
      new Error(`nothing to listen on (${targets.map(describeTarget).join(", ")})`)
    );
  }
  const [first] = running as [RunningServer, ...RunningServer[]];
  return {
    server: first.server,
    url: first.url,
    urls: running.map((r) => r.url),
    close: async (graceMs) => {
      await Promise.all(running.map((r) => r.close(graceMs)));
      await verifier.close();
    },
  };
}
