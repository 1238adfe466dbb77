import { X509Certificate } from "node:crypto";
import { request } from "node:https";
import type { SecureVersion, TLSSocket } from "node:tls";

export interface TlsClientOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** `user:password` for basic auth. */
  readonly auth?: string;
  readonly minVersion?: SecureVersion;
  readonly maxVersion?: SecureVersion;
  /** OpenSSL cipher list (TLS 1.2 and below, plus any TLS_* 1.3 suites). */
  readonly ciphers?: string;
  /** OpenSSL group list ("P-521"). */
  readonly ecdhCurve?: string;
  readonly method?: string;
  /**
   * Verify the server's chain against these CAs here rather than in OpenSSL: OpenSSL 3.0 refuses
   * a CA whose extended key usage is anyExtendedKeyUsage, as exporter-toolkit's test CA is; Go
   * (the toolkit's client) accepts it. The leaf must be for 127.0.0.1.
   */
  readonly verifyChain?: Buffer;
}

export interface TlsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Serial number of the certificate the server presented. */
  readonly serverSerial: string;
  /** The negotiated suite's IANA name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). */
  readonly cipher: string;
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
        ...(options.verifyChain ? { rejectUnauthorized: false } : {}),
        ...(options.cert ? { cert: options.cert } : {}),
        ...(options.key ? { key: options.key } : {}),
        ...(options.minVersion ? { minVersion: options.minVersion } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
        ...(options.ciphers ? { ciphers: options.ciphers } : {}),
        ...(options.ecdhCurve ? { ecdhCurve: options.ecdhCurve } : {}),
        ...(options.auth
          ? { headers: { Authorization: `Basic ${Buffer.from(options.auth).toString("base64")}` } }
          : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const serverSerial = socket.getPeerCertificate().serialNumber ?? "";
        const cipher = socket.getCipher().standardName;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            serverSerial,
            cipher,
          }),
        );
        res.on("error", reject);
      },
    );
    const chain = options.verifyChain;
    if (chain !== undefined) {
      req.on("socket", (socket) => {
        socket.once("secureConnect", () => {
          const leaf = (socket as TLSSocket).getPeerX509Certificate();
          if (leaf === undefined || !chainTrusted(leaf, chain)) {
            req.destroy(Object.assign(new Error("untrusted server"), { code: "UNTRUSTED_SERVER" }));
          }
        });
      });
    }
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

/** The PEM bundle's certificates. */
function bundle(pem: Buffer): X509Certificate[] {
  const blocks = pem
    .toString("latin1")
    .match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
  return (blocks ?? []).map((block) => new X509Certificate(block));
}

/** Signature by signature from the leaf up to a self-signed CA of the bundle; the leaf for 127.0.0.1. */
function chainTrusted(leaf: X509Certificate, pem: Buffer): boolean {
  const cas = bundle(pem);
  if (leaf.checkIP("127.0.0.1") === undefined) return false;
  let current = leaf;
  for (let depth = 0; depth <= cas.length; depth++) {
    const issuer = cas.find(
      (ca) => ca.ca && current.checkIssued(ca) && current.verify(ca.publicKey),
    );
    if (issuer === undefined) return false;
    if (issuer.checkIssued(issuer) && issuer.verify(issuer.publicKey)) return true;
    current = issuer;
  }
  return false;
}
