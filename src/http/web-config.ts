import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { readTlsMaterial, type TlsMaterial } from "./tls.js";

/**
 * The web configuration file of the Prometheus exporter-toolkit (`--web.config.file`): TLS and
 * basic auth for every endpoint. The subset this exporter implements is validated strictly: an
 * unknown key, or a known one it does not implement, is a start-up error, never silently ignored.
 */
export interface WebConfig {
  readonly tls: TlsSettings | undefined;
  /** The certificate, key and client CA as read (and checked) at start-up. */
  readonly tlsMaterial: TlsMaterial | undefined;
  /** user -> bcrypt hash; empty: no basic auth. */
  readonly users: ReadonlyMap<string, string>;
  /** Extra response headers (http_server_config.headers). */
  readonly headers: Readonly<Record<string, string>>;
}

export type ClientAuthType =
  | "NoClientCert"
  | "RequestClientCert"
  | "RequireAnyClientCert"
  | "VerifyClientCertIfGiven"
  | "RequireAndVerifyClientCert";

export type TlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

export interface TlsSettings {
  /** Absolute paths (relative ones are resolved against the config file's directory). */
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string | undefined;
  readonly clientAuth: ClientAuthType;
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** OpenSSL names, from Go's cipher suite names; undefined: Node's defaults. */
  readonly ciphers: string | undefined;
  readonly preferServerCiphers: boolean;
  /** OpenSSL curve list ("X25519:P-256"); undefined: Node's defaults. */
  readonly curves: string | undefined;
}

/** The file is unreadable or invalid: one line, naming the setting, the file and the problem. */
export class WebConfigError extends Error {
  override name = "WebConfigError";
  constructor(path: string, problem: string) {
    super(`WEB_CONFIG_FILE (--web.config.file): ${path}: ${problem}`);
  }
}

const TLS_VERSIONS: Readonly<Record<string, TlsVersion>> = {
  TLS10: "TLSv1",
  TLS11: "TLSv1.1",
  TLS12: "TLSv1.2",
  TLS13: "TLSv1.3",
};

const CLIENT_AUTH_TYPES: readonly ClientAuthType[] = [
  "NoClientCert",
  "RequestClientCert",
  "RequireAnyClientCert",
  "VerifyClientCertIfGiven",
  "RequireAndVerifyClientCert",
];

/** Go's TLS 1.2 suite names (crypto/tls) to OpenSSL's; TLS 1.3 suites are not configurable in Go. */
const CIPHER_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
  TLS_RSA_WITH_AES_128_GCM_SHA256: "AES128-GCM-SHA256",
  TLS_RSA_WITH_AES_256_GCM_SHA384: "AES256-GCM-SHA384",
};

const CURVES: Readonly<Record<string, string>> = {
  CurveP256: "P-256",
  CurveP384: "P-384",
  CurveP521: "P-521",
  X25519: "X25519",
};

/** The response headers exporter-toolkit lets an operator set (and only those). */
const SETTABLE_HEADERS = [
  "Strict-Transport-Security",
  "X-Content-Type-Options",
  "X-Frame-Options",
  "X-XSS-Protection",
  "Content-Security-Policy",
];

const BCRYPT_HASH = /^\$2[abxy]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

type Fields = Record<string, unknown>;

/** A problem found while checking the file's content (turned into a WebConfigError). */
class Invalid extends Error {}

function mapping(value: unknown, at: string): Fields {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new Invalid(`${at} must be a mapping`);
  return value as Fields;
}

function onlyKeys(
  fields: Fields,
  at: string,
  known: readonly string[],
  unsupported: string[] = [],
) {
  for (const key of Object.keys(fields)) {
    if (unsupported.includes(key)) {
      throw new Invalid(`${at}${key} is not supported by partner-center-exporter`);
    }
    if (!known.includes(key)) throw new Invalid(`unknown field ${at}${key}`);
  }
}

function text(fields: Fields, key: string, at: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new Invalid(`${at}${key} must be a string`);
  return value;
}

function list(fields: Fields, key: string, at: string): string[] | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) {
    throw new Invalid(`${at}${key} must be a list of strings`);
  }
  return value;
}

function parseTls(value: unknown, baseDir: string): TlsSettings | undefined {
  const at = "tls_server_config.";
  const fields = mapping(value, "tls_server_config");
  onlyKeys(
    fields,
    at,
    [
      "cert_file",
      "key_file",
      "client_ca_file",
      "client_auth_type",
      "min_version",
      "max_version",
      "cipher_suites",
      "prefer_server_cipher_suites",
      "curve_preferences",
    ],
    ["cert", "key", "client_ca", "client_allowed_sans"],
  );
  const certFile = text(fields, "cert_file", at);
  const keyFile = text(fields, "key_file", at);
  const clientCaFile = text(fields, "client_ca_file", at);
  const authText = text(fields, "client_auth_type", at);
  // As in exporter-toolkit: an empty block means plain HTTP.
  if (certFile === undefined && keyFile === undefined && !clientCaFile && !authText) {
    return undefined;
  }
  if (certFile === undefined) throw new Invalid(`${at}cert_file is required for TLS`);
  if (keyFile === undefined) throw new Invalid(`${at}key_file is required for TLS`);
  const clientAuth = (authText ?? "NoClientCert") as ClientAuthType;
  if (!CLIENT_AUTH_TYPES.includes(clientAuth)) {
    throw new Invalid(
      `${at}client_auth_type "${authText}" is not one of ${CLIENT_AUTH_TYPES.join(", ")}`,
    );
  }
  if (clientCaFile !== undefined && clientAuth === "NoClientCert") {
    throw new Invalid(`${at}client_ca_file is set but client_auth_type is NoClientCert`);
  }
  const verifies = clientAuth === "VerifyClientCertIfGiven" || clientAuth.startsWith("RequireAnd");
  if (verifies && clientCaFile === undefined) {
    throw new Invalid(`${at}client_auth_type ${clientAuth} needs client_ca_file`);
  }
  const version = (key: string, fallback: TlsVersion): TlsVersion => {
    const name = text(fields, key, at);
    if (name === undefined) return fallback;
    const found = TLS_VERSIONS[name];
    if (found === undefined) {
      throw new Invalid(
        `${at}${key} "${name}" is not one of ${Object.keys(TLS_VERSIONS).join(", ")}`,
      );
    }
    return found;
  };
  const minVersion = version("min_version", "TLSv1.2");
  const maxVersion = version("max_version", "TLSv1.3");
  if (minVersion > maxVersion) throw new Invalid(`${at}min_version is above max_version`);
  const translate = (key: string, table: Readonly<Record<string, string>>): string | undefined => {
    const names = list(fields, key, at);
    if (names === undefined || names.length === 0) return undefined;
    return names
      .map((name) => {
        const openssl = table[name];
        if (openssl === undefined) throw new Invalid(`${at}${key}: unknown or insecure "${name}"`);
        return openssl;
      })
      .join(":");
  };
  const prefer = fields.prefer_server_cipher_suites;
  if (prefer !== undefined && typeof prefer !== "boolean") {
    throw new Invalid(`${at}prefer_server_cipher_suites must be true or false`);
  }
  return {
    certFile: resolve(baseDir, certFile),
    keyFile: resolve(baseDir, keyFile),
    clientCaFile: clientCaFile === undefined ? undefined : resolve(baseDir, clientCaFile),
    clientAuth,
    minVersion,
    maxVersion,
    ciphers: translate("cipher_suites", CIPHER_SUITES),
    preferServerCiphers: prefer ?? true,
    curves: translate("curve_preferences", CURVES),
  };
}

function parseUsers(value: unknown): Map<string, string> {
  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(mapping(value, "basic_auth_users"))) {
    if (user === "" || user.includes(":")) {
      throw new Invalid(`basic_auth_users: "${user}" is not a valid user name (no colons)`);
    }
    // The hash is not echoed: it is not the password, but it is still not for logs.
    if (typeof hash !== "string" || !BCRYPT_HASH.test(hash)) {
      throw new Invalid(
        `basic_auth_users.${user} is not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d ':\\n')`,
      );
    }
    users.set(user, hash);
  }
  return users;
}

function parseHeaders(value: unknown): Record<string, string> {
  const at = "http_server_config.";
  const fields = mapping(value, "http_server_config");
  onlyKeys(fields, at, ["headers", "http2"]);
  if (fields.http2 !== undefined && typeof fields.http2 !== "boolean") {
    throw new Invalid(`${at}http2 must be true or false`);
  }
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(mapping(fields.headers, `${at}headers`))) {
    const canonical = SETTABLE_HEADERS.find((h) => h.toLowerCase() === name.toLowerCase());
    if (canonical === undefined) {
      throw new Invalid(
        `${at}headers: ${name} cannot be set (only ${SETTABLE_HEADERS.join(", ")})`,
      );
    }
    if (typeof headerValue !== "string" || /[\r\n]/.test(headerValue)) {
      throw new Invalid(`${at}headers.${name} must be a one-line string`);
    }
    headers[canonical] = headerValue;
  }
  return headers;
}

/** Parses the file's text (relative paths resolve against baseDir). Throws Invalid. */
function parseWebConfig(
  source: string,
  baseDir: string,
  parseYaml: typeof import("yaml").parse,
): Omit<WebConfig, "tlsMaterial"> {
  let document: unknown;
  try {
    document = parseYaml(source, { uniqueKeys: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Invalid(`not valid YAML: ${message.split("\n")[0]?.trim() ?? ""}`);
  }
  const root = mapping(document, "the file");
  onlyKeys(
    root,
    "",
    ["tls_server_config", "basic_auth_users", "http_server_config"],
    ["rate_limit"],
  );
  return {
    tls: parseTls(root.tls_server_config, baseDir),
    users: parseUsers(root.basic_auth_users),
    headers: parseHeaders(root.http_server_config),
  };
}

/** Reads and checks the web configuration file; undefined path: no TLS, no auth. */
export async function loadWebConfig(path: string | undefined): Promise<WebConfig | undefined> {
  if (path === undefined) return undefined;
  let source: string;
  try {
    source = await readFile(path, "utf8");
  } catch (error) {
    throw new WebConfigError(path, `cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  let parsed: Omit<WebConfig, "tlsMaterial">;
  try {
    // YAML is loaded only when a web config file is given.
    const { parse } = await import("yaml");
    parsed = parseWebConfig(source, dirname(resolve(path)), parse);
  } catch (error) {
    if (error instanceof Invalid) throw new WebConfigError(path, error.message);
    throw error;
  }
  if (parsed.tls === undefined) return { ...parsed, tlsMaterial: undefined };
  try {
    return { ...parsed, tlsMaterial: await readTlsMaterial(parsed.tls) };
  } catch (error) {
    throw new WebConfigError(path, error instanceof Error ? error.message : String(error));
  }
}
