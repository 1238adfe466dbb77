/** The outbound proxies, as HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lowercase forms) say. */
export interface ProxySettings {
  /** For https:// requests (the token authority, the API). */
  readonly https?: string | undefined;
  /** For http:// requests. */
  readonly http?: string | undefined;
  /** Hosts that bypass the proxy: names, `.domain` suffixes, IPs, `host:port`, or `*`. */
  readonly noProxy?: string | undefined;
}

/** A proxy as logs may name it: host and port, never the credentials in its URL. */
export function proxyName(proxy: URL): string {
  const port = proxy.port || (proxy.protocol === "https:" ? "443" : "80");
  return `${proxy.hostname}:${port}`;
}

/** A proxy that refused, could not be reached, or failed the tunnel: named by host and port only. */
export class ProxyError extends Error {
  constructor(proxy: URL, what: string) {
    super(`proxy ${proxyName(proxy)} ${what}`);
    this.name = "ProxyError";
  }

  /** What undici threw, said as what the proxy did (its status, or the connection's error). */
  static from(proxy: URL, error: unknown): ProxyError {
    let cause: unknown = error;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    const status = /Proxy response \((\d+)\)/.exec(message)?.[1];
    if (status !== undefined) return new ProxyError(proxy, `answered ${status} to CONNECT`);
    const code = (cause as NodeJS.ErrnoException).code;
    return new ProxyError(
      proxy,
      `failed: ${message}${code && !message.includes(code) ? ` (${code})` : ""}`,
    );
  }
}

/** The credentials in a proxy URL, decoded, for the secret scrubber. */
export function proxyCredentials(settings: ProxySettings | undefined): string[] {
  const found: string[] = [];
  for (const text of [settings?.https, settings?.http]) {
    if (text === undefined || text === "") continue;
    const url = new URL(text);
    if (url.password !== "") found.push(decodeURIComponent(url.password), url.password);
    if (url.username !== "" && url.password !== "") {
      // As the URL spells it, and as Basic auth sends it (decoded; the scrubber adds its base64).
      found.push(`${url.username}:${url.password}`);
      found.push(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
    }
  }
  return found;
}

/** A NO_PROXY entry's host (without `*.` or `.`) and port: `[::1]:8443`, `::1`, `host:443`. */
function hostAndPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) return [bracketed[1] ?? "", bracketed[2]];
  const colons = entry.split(":").length - 1;
  const [host = "", port] = colons === 1 ? entry.split(":") : [entry];
  return [host.replace(/^\*?\./, ""), port];
}

/** Whether NO_PROXY says `url` goes direct: curl's and undici's rules. */
function bypasses(url: URL, noProxy: string | undefined): boolean {
  if (noProxy === undefined || noProxy.trim() === "") return false;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    const [name, entryPort] = hostAndPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The proxy a request to `url` goes through, or undefined when it goes direct. */
export function proxyFor(url: URL, settings: ProxySettings | undefined): URL | undefined {
  if (settings === undefined) return undefined;
  const chosen = url.protocol === "https:" ? settings.https : settings.http;
  if (chosen === undefined || chosen === "" || bypasses(url, settings.noProxy)) return undefined;
  return new URL(chosen);
}

/** Fetch through a proxy: undici's ProxyAgent, loaded only when a proxy is configured. */
export type ProxiedFetch = (request: Request, proxy: URL) => Promise<Response>;

let proxied: Promise<ProxiedFetch> | undefined;

/**
 * Node's fetch ignores HTTPS_PROXY (before Node.js 24's NODE_USE_ENV_PROXY), so requests through a
 * proxy use undici's own fetch with a ProxyAgent per proxy URL. Every request is a CONNECT tunnel
 * (http:// ones too): whatever the proxy says is said to the CONNECT, so a refusal is never taken
 * for the server's answer. Credentials in the URL become Proxy-Authorization.
 */
export function proxiedFetch(): Promise<ProxiedFetch> {
  proxied ??= import("undici").then(({ fetch, ProxyAgent }) => {
    const agents = new Map<string, InstanceType<typeof ProxyAgent>>();
    const agentFor = (proxy: URL) => {
      let agent = agents.get(proxy.href);
      if (agent === undefined) {
        agent = new ProxyAgent({ uri: proxy.href });
        agents.set(proxy.href, agent);
      }
      return agent;
    };
    return async (request: Request, proxy: URL) => {
      const body = request.body === null ? undefined : await request.arrayBuffer();
      const response = await fetch(request.url, {
        method: request.method,
        headers: [...request.headers],
        ...(body !== undefined ? { body } : {}),
        redirect: request.redirect,
        signal: request.signal,
        dispatcher: agentFor(proxy),
      });
      // undici's own Response: rebuilt as the global one the rest of the code (and ky) expects.
      return new Response(response.body as ReadableStream<Uint8Array> | null, {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
      });
    };
  });
  return proxied;
}

/** A request through a proxy; its failures say which proxy and what it answered. */
export async function throughProxy(input: Request | URL | string, proxy: URL): Promise<Response> {
  const request = input instanceof Request ? input : new Request(input);
  try {
    return await (await proxiedFetch())(request, proxy);
  } catch (error) {
    throw request.signal.aborted ? error : ProxyError.from(proxy, error);
  }
}
