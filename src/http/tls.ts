import { readFileSync } from "node:fs";
import type { ServerOptions } from "node:https";
import { createSecureContext, type TLSSocket } from "node:tls";
import {
  CIPHER_SUITES,
  CLIENT_AUTH_TYPES,
  type ClientAuthType,
  CURVES,
  TLS13_SUITES,
} from "./tls-names.js";
import type { TlsFields } from "./web-config-parse.js";
import { WebConfigProblem } from "./web-config-problem.js";

/** TLS as exporter-toolkit's ConfigToTLSConfig builds it from `tls_server_config`. */
export interface TlsPolicy {
  readonly certFile: string;
  readonly keyFile: string;
  /** undefined: client certificates are verified against the system's CAs (as Go does). */
  readonly clientCaFile: string | undefined;
  readonly clientAuth: ClientAuthType;
  readonly options: ServerOptions;
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
}

/** A client that opens a connection and never finishes the handshake is cut off after this. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

function protocolOptions(fields: TlsFields): ServerOptions {
  const options: ServerOptions = {
    minVersion: fields.minVersion,
    maxVersion: fields.maxVersion,
    honorCipherOrder: fields.preferServerCiphers,
  };
  if (fields.minVersion > fields.maxVersion) {
    // Go starts and fails every handshake; nothing could ever be served, so say it now.
    throw new WebConfigProblem("tls_server_config.min_version is above max_version");
  }
  if (fields.curves !== undefined && fields.curves.length > 0) {
    options.ecdhCurve = fields.curves.map((name) => CURVES.get(name)).join(":");
  }
  const suites = fields.cipherSuites ?? [];
  if (suites.length === 0) return options;
  // As in Go, the list restricts TLS 1.2 and below; TLS 1.3 keeps its own three suites.
  const upTo12 = suites.map((name) => CIPHER_SUITES.get(name)).filter((s) => typeof s === "string");
  if (upTo12.length > 0) return { ...options, ciphers: `${TLS13_SUITES}:${upTo12.join(":")}` };
  if (fields.maxVersion !== "TLSv1.3") {
    throw new WebConfigProblem(
      "tls_server_config.cipher_suites has no suite below TLS 1.3, and max_version is below TLS13",
    );
  }
  return { ...options, minVersion: "TLSv1.3" };
}

/** The toolkit's checks of client_auth_type, made after the files are read (as it does). */
export function tlsPolicy(fields: TlsFields): TlsPolicy {
  const clientAuth = CLIENT_AUTH_TYPES.get(fields.clientAuth);
  if (clientAuth === undefined) {
    const all = [...CLIENT_AUTH_TYPES.keys()].filter((k) => k !== "").join(", ");
    throw new WebConfigProblem(
      `tls_server_config.client_auth_type: invalid ClientAuth "${fields.clientAuth}" (one of ${all})`,
    );
  }
  if (fields.clientCaFile !== "" && clientAuth === "NoClientCert") {
    throw new WebConfigProblem(
      "tls_server_config: client_ca_file is set without a client_auth_type (Client CA's have been configured without a Client Auth Policy)",
    );
  }
  return {
    certFile: fields.certFile,
    keyFile: fields.keyFile,
    clientCaFile: fields.clientCaFile === "" ? undefined : fields.clientCaFile,
    clientAuth,
    options: protocolOptions(fields),
  };
}

/** One file of the TLS material; the error names the field and the path, never the content. */
export function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "read error";
    const why = code === "ENOENT" ? "no such file" : code;
    throw new WebConfigProblem(`tls_server_config.${key}: cannot read ${path} (${why})`);
  }
}

/** The https server's secure context options; throws when OpenSSL refuses them. */
export function secureContextOptions(policy: TlsPolicy, material: TlsMaterial): ServerOptions {
  const options: ServerOptions = {
    ...policy.options,
    cert: material.cert,
    key: material.key,
    ...(material.ca !== undefined ? { ca: material.ca } : {}),
  };
  try {
    createSecureContext(options);
  } catch (error) {
    // OpenSSL's reason (bad PEM, key does not match the certificate...), never the key itself.
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebConfigProblem(
      `tls_server_config: OpenSSL refused the certificate, key or CA (${reason})`,
    );
  }
  return options;
}

/** Reads the certificate, key and client CA, in the toolkit's order of checks. */
export function readTlsMaterial(fields: TlsFields, read = readPem): TlsMaterial {
  if (fields.certFile === "") throw new WebConfigProblem("tls_server_config: missing cert_file");
  if (fields.keyFile === "") throw new WebConfigProblem("tls_server_config: missing key_file");
  const cert = read(fields.certFile, "cert_file");
  const key = read(fields.keyFile, "key_file");
  const ca = fields.clientCaFile === "" ? undefined : read(fields.clientCaFile, "client_ca_file");
  return { cert, key, ca };
}

/** Material, policy and OpenSSL's consent: what the toolkit's ConfigToTLSConfig checks. */
export function buildTls(fields: TlsFields): {
  policy: TlsPolicy;
  material: TlsMaterial;
  options: ServerOptions;
} {
  const material = readTlsMaterial(fields);
  const policy = tlsPolicy(fields);
  return { policy, material, options: secureContextOptions(policy, material) };
}

/** Whether the server asks for a certificate, and lets OpenSSL refuse a missing or bad one. */
export function verifyFlags(policy: TlsPolicy): {
  requestCert: boolean;
  rejectUnauthorized: boolean;
} {
  return {
    requestCert: policy.clientAuth !== "NoClientCert",
    rejectUnauthorized: policy.clientAuth === "RequireAndVerifyClientCert",
  };
}

export function tlsServerOptions(policy: TlsPolicy, material: TlsMaterial): ServerOptions {
  return {
    ...secureContextOptions(policy, material),
    ...verifyFlags(policy),
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  };
}

function hasPeerCertificate(socket: TLSSocket): boolean {
  return Object.keys(socket.getPeerCertificate()).length > 0;
}

/** The two Go policies Node has no switch for, checked right after the handshake. */
export function clientCertificateAccepted(socket: TLSSocket, clientAuth: ClientAuthType): boolean {
  switch (clientAuth) {
    case "RequireAnyClientCert":
      return hasPeerCertificate(socket);
    case "VerifyClientCertIfGiven":
      return !hasPeerCertificate(socket) || socket.authorized;
    default:
      return true;
  }
}
