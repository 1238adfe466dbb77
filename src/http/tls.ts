import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Server as HttpsServer, ServerOptions } from "node:https";
import { createSecureContext, type TLSSocket } from "node:tls";
import type { Logger } from "pino";
import type { TlsSettings } from "./web-config.js";

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
}

/** Go's cipher_suites only restrict TLS 1.2; TLS 1.3 keeps its (all strong) defaults, as in Go. */
const TLS13_SUITES = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
/** A client that opens a connection and never finishes the handshake is cut off after this. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

async function readPem(path: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(
      `tls_server_config.${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}

/** Reads the certificate, key and client CA, and checks that OpenSSL accepts them together. */
export async function readTlsMaterial(settings: TlsSettings): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readPem(settings.certFile, "cert_file"),
    readPem(settings.keyFile, "key_file"),
    settings.clientCaFile === undefined
      ? undefined
      : readPem(settings.clientCaFile, "client_ca_file"),
  ]);
  const material = { cert, key, ca };
  try {
    createSecureContext(secureContextOptions(settings, material));
  } catch (error) {
    // OpenSSL's reason (bad PEM, key does not match the certificate...), never the key itself.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`tls_server_config: OpenSSL refused the certificate, key or CA (${reason})`);
  }
  return material;
}

function secureContextOptions(settings: TlsSettings, material: TlsMaterial): ServerOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.ca !== undefined ? { ca: material.ca } : {}),
    minVersion: settings.minVersion,
    maxVersion: settings.maxVersion,
    honorCipherOrder: settings.preferServerCiphers,
    ...(settings.ciphers !== undefined ? { ciphers: `${TLS13_SUITES}:${settings.ciphers}` } : {}),
    ...(settings.curves !== undefined ? { ecdhCurve: settings.curves } : {}),
  };
}

/** The https server's options: the secure context, client certificates and handshake timeout. */
export function tlsServerOptions(settings: TlsSettings, material: TlsMaterial): ServerOptions {
  return {
    ...secureContextOptions(settings, material),
    requestCert: settings.clientAuth !== "NoClientCert",
    rejectUnauthorized: settings.clientAuth === "RequireAndVerifyClientCert",
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  };
}

function hasPeerCertificate(socket: TLSSocket): boolean {
  return Object.keys(socket.getPeerCertificate()).length > 0;
}

/** The two Go policies Node has no switch for, checked right after the handshake. */
export function clientCertificateAccepted(socket: TLSSocket, settings: TlsSettings): boolean {
  switch (settings.clientAuth) {
    case "RequireAnyClientCert":
      return hasPeerCertificate(socket);
    case "VerifyClientCertIfGiven":
      return !hasPeerCertificate(socket) || socket.authorized;
    default:
      return true;
  }
}

function fingerprint(material: TlsMaterial): string {
  const hash = createHash("sha256").update(material.cert).update(material.key);
  if (material.ca !== undefined) hash.update(material.ca);
  return hash.digest("hex");
}

/**
 * exporter-toolkit reads the certificate on each handshake, so a renewed one (cert-manager)
 * takes effect without a restart; here the files are checked every intervalMs instead.
 * A renewal that does not load keeps the current certificate and says so.
 */
export function reloadTlsOnChange(
  server: HttpsServer,
  settings: TlsSettings,
  initial: TlsMaterial,
  logger: Logger,
  intervalMs: number,
): () => void {
  let current = fingerprint(initial);
  let checking = false;
  let lastProblem: string | undefined;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    readTlsMaterial(settings)
      .then((material) => {
        lastProblem = undefined;
        const next = fingerprint(material);
        if (next === current) return;
        server.setSecureContext(secureContextOptions(settings, material));
        current = next;
        logger.info({ certFile: settings.certFile }, "TLS certificate reloaded");
      })
      .catch((error: unknown) => {
        const problem = error instanceof Error ? error.message : String(error);
        // Once per problem: a half-written renewal fixes itself at the next check.
        if (problem === lastProblem) return;
        lastProblem = problem;
        logger.warn(
          { err: problem },
          "TLS certificate files changed but cannot be loaded; still serving the previous certificate",
        );
      })
      .finally(() => {
        checking = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
