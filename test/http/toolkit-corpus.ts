import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The Prometheus exporter-toolkit's own web config tests, as Debian packages them: the configs,
 * certificates and keys of web/testdata and the tables of web/tls_config_test.go.
 */
export const TOOLKIT_WEB_DIR = "/usr/share/gocode/src/github.com/prometheus/exporter-toolkit/web";
export const TESTDATA = join(TOOLKIT_WEB_DIR, "testdata");
const GO_TEST = join(TOOLKIT_WEB_DIR, "tls_config_test.go");

if (!existsSync(GO_TEST) || !existsSync(TESTDATA)) {
  throw new Error(
    `the exporter-toolkit test corpus is missing (${GO_TEST}): golang-github-prometheus-exporter-toolkit-dev is not installed: apt-get install -y golang-github-prometheus-exporter-toolkit-dev`,
  );
}

/** A corpus path as the Go tests write it ("testdata/x.yml", "somefile", ""), made absolute. */
export function corpusPath(goPath: string): string | undefined {
  return goPath === "" ? undefined : join(TOOLKIT_WEB_DIR, goPath);
}

export function corpusFile(name: string): Buffer {
  return readFileSync(join(TESTDATA, name));
}

export interface GoCase {
  readonly name: string;
  readonly path: string;
}

/** The `Name` and `YAMLConfigPath` of every case in one Go test function's table. */
export function goCases(func: string): GoCase[] {
  const source = readFileSync(GO_TEST, "utf8");
  const start = source.indexOf(`func ${func}(`);
  if (start === -1) throw new Error(`${GO_TEST} has no ${func}`);
  const end = source.indexOf("\nfunc ", start + 1);
  const body = source.slice(start, end === -1 ? undefined : end);
  const pattern = /Name:\s+`([^`]+)`,\s*YAMLConfigPath:\s+"([^"]*)"/g;
  return [...body.matchAll(pattern)].map((m) => ({ name: m[1] ?? "", path: m[2] ?? "" }));
}

/** The toolkit's ErrorMap keys (tls_config_test.go) the expectations below come from. */
export type ToolkitError =
  | "No such file"
  | "YAML error"
  | "Invalid CertPath"
  | "Invalid KeyPath"
  | "ClientCA set without policy"
  | "Bad password"
  | "Unknown cipher"
  | "Unknown curve"
  | "Unknown TLS version"
  | "HTTP Response to HTTPS"
  | "HTTP Request to HTTPS server"
  | "Incompatible TLS version"
  | "Handshake failure"
  | "No HTTP2 cipher"
  | "Bad certificate"
  | "Invalid value"
  | "Invalid header"
  | "Unauthorized";

/** TestYAMLFiles: each file is loaded (Validate) and served (ListenAndServe). */
export interface YamlCase {
  readonly name: string;
  readonly path: string;
  readonly toolkit: ToolkitError | null;
  /** Our one line after `WEB_CONFIG_FILE (--web.config.file): <path>: `; null: it serves. */
  readonly ours: RegExp | null;
}

// biome-ignore format: a table, one case a line, as in the Go file
export const YAML_FILES: readonly YamlCase[] = [
  { name: "path to config yml invalid", path: "somefile", toolkit: "No such file", ours: /^cannot read it \(ENOENT\)$/ },
  { name: "empty config yml", path: "testdata/web_config_empty.yml", toolkit: null, ours: null },
  { name: "invalid config yml (invalid structure)", path: "testdata/web_config_junk.yml", toolkit: "YAML error", ours: /^not valid YAML: the file is not a mapping$/ },
  { name: "invalid config yml (invalid key)", path: "testdata/web_config_junk_key.yml", toolkit: "YAML error", ours: /^unknown field tls_server_config\.cert_filse$/ },
  { name: "invalid config yml (cert path empty)", path: "testdata/web_config_noAuth_certPath_empty.bad.yml", toolkit: "Invalid CertPath", ours: /^tls_server_config: missing cert_file$/ },
  { name: "invalid config yml (key path empty)", path: "testdata/web_config_noAuth_keyPath_empty.bad.yml", toolkit: "Invalid KeyPath", ours: /^tls_server_config: missing key_file$/ },
  { name: "invalid config yml (cert path and key path empty)", path: "testdata/web_config_noAuth_certPath_keyPath_empty.bad.yml", toolkit: "Invalid CertPath", ours: /^tls_server_config: missing cert_file$/ },
  { name: "invalid config yml (cert path invalid)", path: "testdata/web_config_noAuth_certPath_invalid.bad.yml", toolkit: "No such file", ours: /^tls_server_config\.cert_file: cannot read \/.*\/testdata\/somefile \(no such file\)$/ },
  { name: "invalid config yml (key path invalid)", path: "testdata/web_config_noAuth_keyPath_invalid.bad.yml", toolkit: "No such file", ours: /^tls_server_config\.cert_file: cannot read \/.*\/testdata\/server\.cert \(no such file\)$/ },
  { name: "invalid config yml (cert path and key path invalid)", path: "testdata/web_config_noAuth_certPath_keyPath_invalid.bad.yml", toolkit: "No such file", ours: /^tls_server_config\.cert_file: cannot read \/.*\/testdata\/somefile \(no such file\)$/ },
  { name: "invalid config yml (invalid ClientAuth)", path: "testdata/web_config_noAuth.bad.yml", toolkit: "ClientCA set without policy", ours: /^tls_server_config: client_ca_file is set without a client_auth_type \(Client CA's have been configured without a Client Auth Policy\)$/ },
  { name: "invalid config yml (invalid ClientCAs filepath)", path: "testdata/web_config_auth_clientCAs_invalid.bad.yml", toolkit: "No such file", ours: /^tls_server_config\.client_ca_file: cannot read \/.*\/testdata\/somefile \(no such file\)$/ },
  { name: "invalid config yml (invalid user list)", path: "testdata/web_config_auth_user_list_invalid.bad.yml", toolkit: "Bad password", ours: /^basic_auth_users\.john is not a bcrypt hash \(too short; make one with: htpasswd -nBC 10 "" \| tr -d ':\\n'\)$/ },
  { name: "invalid config yml (bad cipher)", path: "testdata/web_config_noAuth_inventedCiphers.bad.yml", toolkit: "Unknown cipher", ours: /^tls_server_config\.cipher_suites: unknown cipher "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048"$/ },
  { name: "invalid config yml (bad curves)", path: "testdata/web_config_noAuth_inventedCurves.bad.yml", toolkit: "Unknown curve", ours: /^tls_server_config\.curve_preferences: unknown curve "CurveP257"$/ },
  { name: "invalid config yml (bad TLS version)", path: "testdata/web_config_noAuth_wrongTLSVersion.bad.yml", toolkit: "Unknown TLS version", ours: /^tls_server_config\.min_version: unknown TLS version "TLS111" \(one of TLS10, TLS11, TLS12, TLS13\)$/ },
];

/** The Go test client: plain HTTP, or TLS trusting tls-ca-chain.pem, with its limits. */
export interface GoClient {
  readonly tls: boolean;
  /** Go's ClientMaxTLSVersion. */
  readonly maxVersion?: "TLSv1.1";
  /** Go's CipherSuites, as OpenSSL names. */
  readonly ciphers?: string;
  /** Go's CurvePreferences, as OpenSSL names. */
  readonly curves?: string;
  /** client_selfsigned or client2_selfsigned. */
  readonly certificate?: string;
}

/** served (with that cipher, when given), refused (the client's error), or no start. */
export type Outcome =
  | { readonly served: true; readonly cipher?: string }
  | { readonly refused: RegExp }
  | { readonly noStart: RegExp };

export interface ServerCase {
  readonly name: string;
  readonly path: string;
  readonly toolkit: ToolkitError | null;
  readonly client: GoClient;
  readonly outcome: Outcome;
}

const TLS: GoClient = { tls: true };
const HTTP: GoClient = { tls: false };
const SERVED: Outcome = { served: true };
/*
 * Refusals are matched on the client's "code: message". Go's server answers a plaintext request
 * with a 400; ours closes the connection (OpenSSL sees no TLS record). Node has no switch for
 * RequireAnyClientCert or a failed verification inside the handshake: a missing certificate gets
 * OpenSSL's alert where OpenSSL can require one, otherwise the connection is closed right after
 * the handshake, before any request is read.
 */
const PLAINTEXT_CLOSED = { refused: /^UND_ERR_SOCKET: other side closed$/ };
// OpenSSL 3.0 (Node.js 20) says "sslv3 alert", 3.5 (Node.js 22, 24) "ssl/tls alert": alert 40 both.
const HANDSHAKE_FAILURE = { refused: /^EPROTO: .*(sslv3|ssl\/tls) alert handshake failure/ };
const CERTIFICATE_REQUIRED = {
  refused: /^ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: .*alert certificate required/,
};
const CLOSED_AFTER_HANDSHAKE = {
  refused: /^(ECONNRESET|EPIPE): (socket hang up|read ECONNRESET|write EPIPE)$/,
};

// biome-ignore format: a table, one case a line, as in the Go file
export const SERVER_BEHAVIOUR: readonly ServerCase[] = [
  { name: "empty string YAMLConfigPath and default client", path: "", toolkit: null, client: HTTP, outcome: SERVED },
  { name: "empty string YAMLConfigPath and TLS client", path: "", toolkit: "HTTP Response to HTTPS", client: TLS, outcome: { refused: /^EPROTO: .*wrong version number/ } },
  { name: "valid tls config yml and default client", path: "testdata/web_config_noAuth.good.yml", toolkit: "HTTP Request to HTTPS server", client: HTTP, outcome: PLAINTEXT_CLOSED },
  { name: "valid tls config yml and tls client", path: "testdata/web_config_noAuth.good.yml", toolkit: null, client: TLS, outcome: SERVED },
  { name: "valid tls config yml with TLS 1.1 client", path: "testdata/web_config_noAuth.good.yml", toolkit: "Incompatible TLS version", client: { tls: true, maxVersion: "TLSv1.1" }, outcome: { refused: /^EPROTO: .*tlsv1 alert protocol version/ } },
  { name: "valid tls config yml with all ciphers", path: "testdata/web_config_noAuth_allCiphers.good.yml", toolkit: null, client: TLS, outcome: SERVED },
  { name: "valid tls config yml with some ciphers", path: "testdata/web_config_noAuth_someCiphers.good.yml", toolkit: null, client: { tls: true, ciphers: "ECDHE-RSA-AES128-GCM-SHA256" }, outcome: SERVED },
  { name: "valid tls config yml with no common cipher", path: "testdata/web_config_noAuth_someCiphers.good.yml", toolkit: "Handshake failure", client: { tls: true, ciphers: "ECDHE-RSA-AES256-SHA" }, outcome: HANDSHAKE_FAILURE },
  { name: "valid tls config yml with multiple client ciphers", path: "testdata/web_config_noAuth_someCiphers.good.yml", toolkit: null, client: { tls: true, ciphers: "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256" }, outcome: { served: true, cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" } },
  { name: "valid tls config yml with multiple client ciphers, client chooses cipher", path: "testdata/web_config_noAuth_someCiphers_noOrder.good.yml", toolkit: null, client: { tls: true, ciphers: "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384" }, outcome: { served: true, cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" } },
  { name: "valid tls config yml with all curves", path: "testdata/web_config_noAuth_allCurves.good.yml", toolkit: null, client: TLS, outcome: SERVED },
  { name: "valid tls config yml with some curves", path: "testdata/web_config_noAuth_someCurves.good.yml", toolkit: null, client: { tls: true, curves: "P-521" }, outcome: SERVED },
  { name: "valid tls config yml with no common curves", path: "testdata/web_config_noAuth_someCurves.good.yml", toolkit: "Handshake failure", client: { tls: true, curves: "P-384" }, outcome: HANDSHAKE_FAILURE },
  { name: "valid tls config yml with non-http2 ciphers", path: "testdata/web_config_noAuth_noHTTP2.good.yml", toolkit: null, client: TLS, outcome: SERVED },
  { name: "valid tls config yml and tls client with RequireAnyClientCert", path: "testdata/tls_config_noAuth.requireanyclientcert.good.yml", toolkit: "Bad certificate", client: TLS, outcome: CLOSED_AFTER_HANDSHAKE },
  { name: "valid headers config", path: "testdata/web_config_headers.good.yml", toolkit: null, client: HTTP, outcome: SERVED },
  { name: "invalid X-Content-Type-Options headers config", path: "testdata/web_config_headers_content_type_options.bad.yml", toolkit: "Invalid value", client: HTTP, outcome: { noStart: /^http_server_config\.headers: invalid value for X-Content-Type-Options: "sniff" is not one of "nosniff"$/ } },
  { name: "invalid X-Frame-Options headers config", path: "testdata/web_config_headers_frame_options.bad.yml", toolkit: "Invalid value", client: HTTP, outcome: { noStart: /^http_server_config\.headers: invalid value for X-Frame-Options: "foo" is not one of "deny", "sameorigin"$/ } },
  { name: "HTTP header that can not be overridden", path: "testdata/web_config_headers_extra_header.bad.yml", toolkit: "Invalid header", client: HTTP, outcome: { noStart: /^http_server_config\.headers: HTTP header "Content-Type" can not be configured \(only Strict-Transport-Security, / } },
  { name: "valid tls config yml and tls client with RequireAnyClientCert (present certificate)", path: "testdata/tls_config_noAuth.requireanyclientcert.good.yml", toolkit: null, client: { tls: true, certificate: "client_selfsigned" }, outcome: SERVED },
  { name: "valid tls config yml and tls client with RequireAndVerifyClientCert", path: "testdata/tls_config_noAuth.requireandverifyclientcert.good.yml", toolkit: "Bad certificate", client: TLS, outcome: CERTIFICATE_REQUIRED },
  { name: "valid tls config yml and tls client with RequireAndVerifyClientCert (present certificate)", path: "testdata/tls_config_noAuth.requireandverifyclientcert.good.yml", toolkit: null, client: { tls: true, certificate: "client_selfsigned" }, outcome: SERVED },
  { name: "valid tls config yml and tls client with RequireAndVerifyClientCert (present wrong certificate)", path: "testdata/tls_config_noAuth.requireandverifyclientcert.good.yml", toolkit: "Bad certificate", client: { tls: true, certificate: "client2_selfsigned" }, outcome: CLOSED_AFTER_HANDSHAKE },
];

/** Cases that cannot apply to Node.js, each with the reason; the test checks this is all of them. */
export const EXCLUDED: readonly (GoCase & { readonly reason: string })[] = [
  {
    name: "valid tls config yml with non-http2 ciphers but http2 enabled",
    path: "testdata/web_config_noAuth_noHTTP2Cipher.bad.yml",
    reason:
      "Go's HTTP/2 server refuses a cipher list without TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 when http2 is on; node:https serves HTTP/1.1 only (no h2 in ALPN), so there is no HTTP/2 rule to break and the file serves",
  },
];

export interface UsersCase {
  readonly name: string;
  readonly path: string;
  readonly toolkit: ToolkitError | null;
  readonly tls: boolean;
  readonly user?: string;
  readonly password?: string;
  readonly status: 200 | 401;
}

const USERS_TLS = "testdata/web_config_users.good.yml";
// biome-ignore format: a table, one case a line, as in the Go file
export const USERS: readonly UsersCase[] = [
  { name: "without basic auth", path: "testdata/web_config_users_noTLS.good.yml", toolkit: "Unauthorized", tls: false, status: 401 },
  { name: "with correct basic auth", path: "testdata/web_config_users_noTLS.good.yml", toolkit: null, tls: false, user: "dave", password: "dave123", status: 200 },
  { name: "without basic auth and TLS", path: USERS_TLS, toolkit: "Unauthorized", tls: true, status: 401 },
  { name: "with correct basic auth and TLS", path: USERS_TLS, toolkit: null, tls: true, user: "dave", password: "dave123", status: 200 },
  { name: "with another correct basic auth and TLS", path: USERS_TLS, toolkit: null, tls: true, user: "carol", password: "carol123", status: 200 },
  { name: "with bad password and TLS", path: USERS_TLS, toolkit: "Unauthorized", tls: true, user: "dave", password: "bad", status: 401 },
  { name: "with bad username and TLS", path: USERS_TLS, toolkit: "Unauthorized", tls: true, user: "nonexistent", password: "nonexistent", status: 401 },
];
