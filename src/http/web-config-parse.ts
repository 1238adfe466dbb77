import { isAbsolute, join } from "node:path";
import {
  CIPHER_SUITES,
  CURVES,
  SETTABLE_HEADERS,
  TLS_VERSIONS,
  type TlsVersion,
} from "./tls-names.js";
import { WebConfigProblem } from "./web-config-problem.js";
import { type GoYaml, parseGoYaml } from "./yaml-v2.js";

type YamlModule = typeof import("yaml");

/** `tls_server_config` as read, before the checks exporter-toolkit makes when it builds TLS. */
export interface TlsFields {
  /** Paths resolved against the config file's directory; "" when not set. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string;
  /** As written; checked when TLS is built, as the toolkit does. */
  readonly clientAuth: string;
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** Go names (known ones); undefined: not set. */
  readonly cipherSuites: readonly string[] | undefined;
  readonly preferServerCiphers: boolean;
  readonly curves: readonly string[] | undefined;
}

/** The file's content, as the toolkit's getConfig reads it on every request. */
export interface ParsedWebConfig {
  /** undefined: no cert, key, client CA or client auth type, so plain HTTP. */
  readonly tls: TlsFields | undefined;
  /** user -> hash, exactly as written (checked at start-up only, as the toolkit does). */
  readonly users: ReadonlyMap<string, string>;
  readonly headers: Readonly<Record<string, string>>;
  readonly http2: boolean;
}

type Fields = ReadonlyMap<string, GoYaml>;
const NONE: Fields = new Map();

function mapping(value: GoYaml | undefined, at: string): Fields {
  if (value === undefined || (value.kind === "scalar" && value.value === null)) return NONE;
  if (value.kind !== "map") throw new WebConfigProblem(`${at} must be a mapping`);
  return value.entries;
}

function onlyKeys(fields: Fields, at: string, known: readonly string[], unsupported: string[]) {
  for (const key of fields.keys()) {
    if (unsupported.includes(key)) {
      throw new WebConfigProblem(`${at}${key} is not supported by partner-center-exporter`);
    }
    if (!known.includes(key)) throw new WebConfigProblem(`unknown field ${at}${key}`);
  }
}

/** A string field: the text of whatever scalar is there, as yaml.v2 fills one. */
function text(value: GoYaml | undefined, at: string): string {
  if (value === undefined) return "";
  if (value.kind !== "scalar") throw new WebConfigProblem(`${at} must be a string`);
  return value.text;
}

function bool(value: GoYaml | undefined, at: string, fallback: boolean): boolean {
  if (value === undefined || (value.kind === "scalar" && value.value === null)) return fallback;
  if (value.kind !== "scalar" || typeof value.value !== "boolean") {
    throw new WebConfigProblem(`${at} must be true or false`);
  }
  return value.value;
}

function names(
  value: GoYaml | undefined,
  at: string,
  known: ReadonlyMap<string, unknown>,
  what: string,
) {
  if (value === undefined || (value.kind === "scalar" && value.value === null)) return undefined;
  if (value.kind !== "seq") throw new WebConfigProblem(`${at} must be a list`);
  return value.items.map((item) => {
    const name = text(item, at);
    if (!known.has(name)) throw new WebConfigProblem(`${at}: unknown ${what} "${name}"`);
    return name;
  });
}

function version(value: GoYaml | undefined, at: string, fallback: TlsVersion): TlsVersion {
  if (value === undefined) return fallback;
  const name = text(value, at);
  const found = TLS_VERSIONS.get(name);
  if (found === undefined) {
    const all = [...TLS_VERSIONS.keys()].join(", ");
    throw new WebConfigProblem(`${at}: unknown TLS version "${name}" (one of ${all})`);
  }
  return found;
}

const TLS_KEYS = [
  "cert_file",
  "key_file",
  "client_auth_type",
  "client_ca_file",
  "cipher_suites",
  "curve_preferences",
  "min_version",
  "max_version",
  "prefer_server_cipher_suites",
];

function parseTls(value: GoYaml | undefined, baseDir: string): TlsFields | undefined {
  const at = "tls_server_config.";
  const fields = mapping(value, "tls_server_config");
  onlyKeys(fields, at, TLS_KEYS, ["cert", "key", "client_ca", "client_allowed_sans"]);
  // As the toolkit's SetDirectory: relative paths are the config file's directory's.
  const path = (key: string): string => {
    const written = text(fields.get(key), `${at}${key}`);
    return written === "" || isAbsolute(written) ? written : join(baseDir, written);
  };
  const tls: TlsFields = {
    certFile: path("cert_file"),
    keyFile: path("key_file"),
    clientCaFile: path("client_ca_file"),
    clientAuth: text(fields.get("client_auth_type"), `${at}client_auth_type`),
    minVersion: version(fields.get("min_version"), `${at}min_version`, "TLSv1.2"),
    maxVersion: version(fields.get("max_version"), `${at}max_version`, "TLSv1.3"),
    cipherSuites: names(fields.get("cipher_suites"), `${at}cipher_suites`, CIPHER_SUITES, "cipher"),
    preferServerCiphers: bool(
      fields.get("prefer_server_cipher_suites"),
      `${at}prefer_server_cipher_suites`,
      true,
    ),
    curves: names(fields.get("curve_preferences"), `${at}curve_preferences`, CURVES, "curve"),
  };
  const { certFile, keyFile, clientCaFile, clientAuth } = tls;
  const none = certFile === "" && keyFile === "" && clientCaFile === "" && clientAuth === "";
  return none ? undefined : tls;
}

function parseUsers(value: GoYaml | undefined): Map<string, string> {
  const users = new Map<string, string>();
  for (const [user, hash] of mapping(value, "basic_auth_users")) {
    users.set(user, text(hash, `basic_auth_users.${user}`));
  }
  return users;
}

/** Go's net/http writes a CR or LF in a header value as a space. */
function headerValue(value: string, at: string): string {
  const line = value.replace(/[\r\n]/g, " ");
  if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(line)) {
    throw new WebConfigProblem(`${at} has a character an HTTP header cannot carry`);
  }
  return line;
}

function parseHttp(value: GoYaml | undefined): { headers: Record<string, string>; http2: boolean } {
  const at = "http_server_config.";
  const fields = mapping(value, "http_server_config");
  onlyKeys(fields, at, ["http2", "headers"], []);
  const headers: Record<string, string> = {};
  for (const [name, raw] of mapping(fields.get("headers"), `${at}headers`)) {
    const allowed = SETTABLE_HEADERS.get(name);
    if (allowed === undefined) {
      const all = [...SETTABLE_HEADERS.keys()].join(", ");
      throw new WebConfigProblem(
        `${at}headers: HTTP header "${name}" can not be configured (only ${all})`,
      );
    }
    const written = text(raw, `${at}headers.${name}`);
    if (allowed.length > 0 && !allowed.includes(written)) {
      throw new WebConfigProblem(
        `${at}headers: invalid value for ${name}: "${written}" is not one of ${allowed.map((v) => `"${v}"`).join(", ")}`,
      );
    }
    headers[name] = headerValue(written, `${at}headers.${name}`);
  }
  return { headers, http2: bool(fields.get("http2"), `${at}http2`, true) };
}

/** Reads the file's text as the toolkit's getConfig does; throws WebConfigProblem. */
export function parseWebConfig(yaml: YamlModule, source: string, baseDir: string): ParsedWebConfig {
  const root = parseGoYaml(yaml, source);
  const empty = root.kind === "scalar" && root.value === null;
  if (root.kind !== "map" && !empty) {
    throw new WebConfigProblem("not valid YAML: the file is not a mapping");
  }
  const fields = mapping(root, "the file");
  onlyKeys(
    fields,
    "",
    ["tls_server_config", "http_server_config", "basic_auth_users"],
    ["rate_limit"],
  );
  const tls = parseTls(fields.get("tls_server_config"), baseDir);
  const users = parseUsers(fields.get("basic_auth_users"));
  return { tls, users, ...parseHttp(fields.get("http_server_config")) };
}
