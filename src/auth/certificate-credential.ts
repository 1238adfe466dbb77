import {
  constants,
  createHash,
  createPrivateKey,
  type KeyObject,
  randomUUID,
  sign,
  X509Certificate,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { identityOf } from "../config/secret-source.js";
import type { SecretScrubber } from "../log/secret-scrubber.js";
import { type ClientCredential, CredentialError, JWT_BEARER } from "./client-credential.js";
import { sha256 } from "./refresh-token-store.js";

/** PS256 is Entra ID's current advice (PSS padding); RS256 is what older guidance and SDKs send. */
export type AssertionAlgorithm = "PS256" | "RS256";
/** `x5t#S256` (SHA-256 of the DER certificate, current guidance) or `x5t` (SHA-1, older). */
export type ThumbprintHeader = "x5t#S256" | "x5t";

/** Short, as Entra ID asks ("5-10 minutes after nbf at most"): a stolen assertion soon expires. */
const ASSERTION_LIFETIME_SECONDS = 5 * 60;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export interface CertificateCredentialOptions {
  readonly path: string;
  /** The key's password now (a re-read `_FILE`); undefined for an unencrypted key. */
  readonly password: () => string | undefined;
  readonly clientId: string;
  readonly scrubber: Pick<SecretScrubber, "add" | "addRotating">;
  readonly algorithm?: AssertionAlgorithm;
  readonly thumbprint?: ThumbprintHeader;
  /** A rotated file that cannot be used: the last good certificate stays in use. */
  readonly onProblem?: (problem: string) => void;
  readonly now?: () => number;
}

interface Loaded {
  readonly key: KeyObject;
  readonly certificate: X509Certificate;
  /** The header's thumbprints, base64url. */
  readonly x5tS256: string;
  readonly x5t: string;
  /** File identity and password, to notice a change. */
  readonly identity: string;
}

function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? "", pem: m[0] }));
}

function readKey(pem: string, password: string | undefined, path: string): KeyObject {
  const encrypted = pem.includes("ENCRYPTED PRIVATE KEY") || pem.includes("Proc-Type: 4,ENCRYPTED");
  if (encrypted && password === undefined) {
    throw new CredentialError(
      `the private key in ${path} is encrypted: set AZURE_CLIENT_CERTIFICATE_PASSWORD (or _FILE)`,
    );
  }
  try {
    return createPrivateKey({
      key: pem,
      format: "pem",
      ...(password !== undefined ? { passphrase: password } : {}),
    });
  } catch {
    throw new CredentialError(
      `cannot read the private key in ${path}${password !== undefined ? " (wrong AZURE_CLIENT_CERTIFICATE_PASSWORD?)" : ""}`,
    );
  }
}

/** Parses the PEM: one private key (RSA) and the certificate that matches it (a chain may follow). */
export function parseCertificatePem(
  text: string,
  password: string | undefined,
  path: string,
): Omit<Loaded, "identity"> {
  const blocks = pemBlocks(text);
  const keyBlocks = blocks.filter((b) => b.label.endsWith("PRIVATE KEY"));
  const certificates = blocks.filter((b) => b.label === "CERTIFICATE");
  if (keyBlocks.length !== 1 || certificates.length === 0) {
    throw new CredentialError(
      `${path} must hold the certificate and its private key in PEM (found ${certificates.length} certificate(s) and ${keyBlocks.length} private key(s))`,
    );
  }
  const key = readKey(keyBlocks[0]?.pem ?? "", password, path);
  if (key.asymmetricKeyType !== "rsa") {
    throw new CredentialError(
      `the private key in ${path} is ${key.asymmetricKeyType ?? "not asymmetric"}: Entra ID certificate credentials are RSA`,
    );
  }
  const certificate = certificates
    .map((b) => new X509Certificate(b.pem))
    .find((c) => c.checkPrivateKey(key));
  if (certificate === undefined) {
    throw new CredentialError(`no certificate in ${path} matches its private key`);
  }
  return {
    key,
    certificate,
    x5tS256: createHash("sha256").update(certificate.raw).digest("base64url"),
    x5t: createHash("sha1").update(certificate.raw).digest("base64url"),
  };
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * A certificate credential (Entra ID's "certificate credentials", RFC 7523): every grant carries a
 * fresh JWT signed with the private key, its `aud` the token endpoint it is posted to. The PEM is
 * re-read when the file (or the password) changes, so a rotated certificate needs no restart.
 */
export class CertificateCredential implements ClientCredential {
  readonly kind = "certificate";
  readonly #options: CertificateCredentialOptions;
  readonly #now: () => number;
  #loaded: Loaded;

  /** Throws a CredentialError when the file cannot be used now. */
  constructor(options: CertificateCredentialOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#loaded = this.#load(this.#identityNow() ?? "");
  }

  /** The certificate in use (its thumbprints go in the header). */
  get certificate(): X509Certificate {
    this.#refresh();
    return this.#loaded.certificate;
  }

  fingerprint(): string {
    this.#refresh();
    return this.#loaded.x5tS256;
  }

  fields(tokenUrl: string): Record<string, string> {
    this.#refresh();
    const assertion = this.sign(tokenUrl);
    this.#options.scrubber.addRotating(assertion);
    return { client_assertion_type: JWT_BEARER, client_assertion: assertion };
  }

  /** A signed client assertion for `audience` (the token endpoint's URL). */
  sign(audience: string): string {
    const { key, x5t, x5tS256 } = this.#loaded;
    const algorithm = this.#options.algorithm ?? "PS256";
    const thumbprint = this.#options.thumbprint ?? "x5t#S256";
    const now = Math.floor(this.#now() / 1000);
    const header = {
      alg: algorithm,
      typ: "JWT",
      [thumbprint]: thumbprint === "x5t" ? x5t : x5tS256,
    };
    const { clientId } = this.#options;
    const claims = {
      aud: audience,
      iss: clientId,
      sub: clientId,
      jti: randomUUID(),
      nbf: now,
      iat: now,
      exp: now + ASSERTION_LIFETIME_SECONDS,
    };
    const input = `${encode(header)}.${encode(claims)}`;
    const signature = sign(
      "sha256",
      Buffer.from(input),
      algorithm === "PS256"
        ? {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          }
        : key,
    );
    return `${input}.${signature.toString("base64url")}`;
  }

  #identityNow(): string | undefined {
    const file = identityOf(this.#options.path);
    if (file === undefined) return undefined;
    const password = this.#options.password();
    return `${file}|${password === undefined ? "" : sha256(password)}`;
  }

  /** A changed file or password: load it; a broken one keeps the last good certificate. */
  #refresh(): void {
    const identity = this.#identityNow();
    if (identity === undefined || identity === this.#loaded.identity) return;
    try {
      this.#loaded = this.#load(identity);
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      // Mid-swap or a bad rotation: keep signing with the last good key, say so once.
      this.#loaded = { ...this.#loaded, identity };
      this.#options.onProblem?.(`${error.message}; still using the previous certificate`);
    }
  }

  #load(identity: string): Loaded {
    const { path, scrubber } = this.#options;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "read error";
      throw new CredentialError(`cannot read ${path} (${code})`);
    }
    const password = this.#options.password();
    // The key (and its password) are secrets: masked in every log line from now on.
    scrubber.add(password);
    for (const block of pemBlocks(text).filter((b) => b.label.endsWith("PRIVATE KEY"))) {
      scrubber.add(block.pem);
      for (const line of block.pem.split("\n").filter((l) => !l.startsWith("-----"))) {
        if (line.trim().length >= 16) scrubber.add(line.trim());
      }
    }
    return { ...parseCertificatePem(text, password, path), identity };
  }
}
