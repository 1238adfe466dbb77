/** The names exporter-toolkit's `tls_server_config` accepts (Go's crypto/tls), and OpenSSL's. */

export type TlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

export const TLS_VERSIONS: ReadonlyMap<string, TlsVersion> = new Map([
  ["TLS10", "TLSv1"],
  ["TLS11", "TLSv1.1"],
  ["TLS12", "TLSv1.2"],
  ["TLS13", "TLSv1.3"],
]);

/**
 * Go 1.19's tls.CipherSuites(), by name (the toolkit looks names up there), to OpenSSL's.
 * null: a TLS 1.3 suite, accepted but not configurable in Go, so TLS 1.3 keeps all three.
 */
export const CIPHER_SUITES: ReadonlyMap<string, string | null> = new Map([
  ["TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"],
  ["TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"],
  ["TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"],
  ["TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"],
  ["TLS_AES_128_GCM_SHA256", null],
  ["TLS_AES_256_GCM_SHA384", null],
  ["TLS_CHACHA20_POLY1305_SHA256", null],
  ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"],
  ["TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"],
  ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"],
  ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"],
  ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"],
  ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"],
  ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"],
  ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"],
  ["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"],
  ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"],
]);

/** Go's TLS 1.3 suites in Go's order: Go never lets a config change them. */
export const TLS13_SUITES =
  "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

export const CURVES: ReadonlyMap<string, string> = new Map([
  ["CurveP256", "P-256"],
  ["CurveP384", "P-384"],
  ["CurveP521", "P-521"],
  ["X25519", "X25519"],
]);

export type ClientAuthType =
  | "NoClientCert"
  | "RequestClientCert"
  | "RequireAnyClientCert"
  | "VerifyClientCertIfGiven"
  | "RequireAndVerifyClientCert";

/** `RequireClientCert` is the toolkit's old spelling of `RequireAnyClientCert`; "" is none. */
export const CLIENT_AUTH_TYPES: ReadonlyMap<string, ClientAuthType> = new Map([
  ["", "NoClientCert"],
  ["NoClientCert", "NoClientCert"],
  ["RequestClientCert", "RequestClientCert"],
  ["RequireAnyClientCert", "RequireAnyClientCert"],
  ["RequireClientCert", "RequireAnyClientCert"],
  ["VerifyClientCertIfGiven", "VerifyClientCertIfGiven"],
  ["RequireAndVerifyClientCert", "RequireAndVerifyClientCert"],
]);

/** The response headers the toolkit lets a file set, with their allowed values (empty: free). */
export const SETTABLE_HEADERS: ReadonlyMap<string, readonly string[]> = new Map([
  ["Strict-Transport-Security", []],
  ["X-Content-Type-Options", ["nosniff"]],
  ["X-Frame-Options", ["deny", "sameorigin"]],
  ["X-XSS-Protection", []],
  ["Content-Security-Policy", []],
]);
