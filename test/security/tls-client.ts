import { request } from "node:https";
import type { TLSSocket } from "node:tls";

export interface TlsClientOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** `user:password` for basic auth. */
  readonly auth?: string;
  readonly maxVersion?: "TLSv1.2" | "TLSv1.3";
  readonly method?: string;
}

export interface TlsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Serial number of the certificate the server presented. */
  readonly serverSerial: string;
}

/** One HTTPS request with node:https (a real TLS client), on a fresh connection. */
export function httpsGet(url: string, options: TlsClientOptions = {}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.cert ? { cert: options.cert } : {}),
        ...(options.key ? { key: options.key } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
        ...(options.auth
          ? { headers: { Authorization: `Basic ${Buffer.from(options.auth).toString("base64")}` } }
          : {}),
      },
      (res) => {
        const serverSerial = (res.socket as TLSSocket).getPeerCertificate().serialNumber ?? "";
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            serverSerial,
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** The request's error code or message, or "answered <status>" when it got through. */
export async function outcome(url: string, options: TlsClientOptions = {}): Promise<string> {
  try {
    return `answered ${(await httpsGet(url, options)).status}`;
  } catch (error) {
    return `refused (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
}
