import { constants, createHash, verify, X509Certificate } from "node:crypto";
import type { Refusal } from "./aad-errors.js";
import type { SimulatedFederation } from "./federated-tokens.js";

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DOCS = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials";
/** Entra ID allows five minutes of clock skew on an assertion's nbf and exp. */
const DEFAULT_SKEW_MS = 5 * 60_000;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/;

export interface ClientCheck {
  readonly body: Readonly<Record<string, string | undefined>>;
  /** The URL the request was posted to: an assertion's `aud` must be exactly it. */
  readonly tokenUrl: string;
  /** The device-code grant may come from a public client, with no credential at all. */
  readonly publicAllowed: boolean;
}

interface Jwt {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly input: string;
  readonly signature: Buffer;
}

const invalidClient = (aadsts: number, message: string): Refusal => ({
  status: 401,
  error: "invalid_client",
  aadsts,
  message,
});

function parseJwt(token: string): Jwt | undefined {
  const [header, claims, signature, extra] = token.split(".");
  if (
    header === undefined ||
    claims === undefined ||
    signature === undefined ||
    extra !== undefined
  )
    return undefined;
  try {
    const json = (part: string): unknown => JSON.parse(Buffer.from(part, "base64url").toString());
    const h = json(header);
    const c = json(claims);
    if (typeof h !== "object" || h === null || typeof c !== "object" || c === null)
      return undefined;
    return {
      header: h as Record<string, unknown>,
      claims: c as Record<string, unknown>,
      input: `${header}.${claims}`,
      signature: Buffer.from(signature, "base64url"),
    };
  } catch {
    return undefined;
  }
}

/**
 * How Entra ID checks the client on a confidential grant: a secret, or a client assertion that is
 * either signed with a registered certificate or a federated token; never both; jti once only.
 */
export class SimulatedClientCredentials {
  readonly #clientId: string;
  readonly #secret: string;
  readonly #federation: SimulatedFederation;
  readonly #now: () => number;
  readonly #skewMs: number;
  readonly #certificates: X509Certificate[] = [];
  /** jti -> when it may be forgotten (its exp plus the skew). */
  readonly #seen = new Map<string, number>();

  constructor(
    clientId: string,
    secret: string,
    federation: SimulatedFederation,
    now: () => number,
    skewMs = DEFAULT_SKEW_MS,
  ) {
    this.#clientId = clientId;
    this.#secret = secret;
    this.#federation = federation;
    this.#now = now;
    this.#skewMs = skewMs;
  }

  /** Uploads a certificate to the app (Certificates & secrets): its first CERTIFICATE block. */
  registerCertificate(pem: string): X509Certificate {
    const block = PEM_CERTIFICATE.exec(pem)?.[0];
    if (block === undefined) throw new Error("no certificate in that PEM");
    const certificate = new X509Certificate(block);
    this.#certificates.push(certificate);
    return certificate;
  }

  check({ body, tokenUrl, publicAllowed }: ClientCheck): Refusal | undefined {
    const { client_secret: secret, client_assertion: assertion } = body;
    if (secret !== undefined && assertion !== undefined) {
      return {
        status: 400,
        error: "invalid_request",
        aadsts: 9002313,
        message:
          "Invalid request. Request is malformed or invalid. Only one client credential may be presented: 'client_secret' or 'client_assertion', not both.",
      };
    }
    if (secret !== undefined) {
      return secret === this.#secret
        ? undefined
        : invalidClient(
            7000215,
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.#clientId}'.`,
          );
    }
    if (assertion === undefined) {
      return publicAllowed
        ? undefined
        : invalidClient(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
          );
    }
    const jwt = body.client_assertion_type === JWT_BEARER ? parseJwt(assertion) : undefined;
    if (jwt === undefined) return invalidClient(50027, "JWT token is invalid or malformed.");
    if (this.#federation.isFederated(jwt.claims.iss)) {
      return this.#federation.verify(assertion, jwt.claims, this.#skewMs);
    }
    return this.#checkSigned(jwt, body.client_id, tokenUrl);
  }

  /** A certificate assertion: key, signature, iss/sub, aud, lifetime, then jti once only. */
  #checkSigned(jwt: Jwt, clientId: string | undefined, tokenUrl: string): Refusal | undefined {
    const refusal = this.#checkSignature(jwt) ?? this.#checkClaims(jwt.claims, clientId, tokenUrl);
    if (refusal !== undefined) return refusal;
    const jti = jwt.claims.jti;
    if (typeof jti !== "string" || jti === "") {
      return invalidClient(50027, "JWT token is invalid or malformed: the 'jti' claim is missing.");
    }
    const now = this.#now();
    for (const [seen, until] of this.#seen) if (until < now) this.#seen.delete(seen);
    if (this.#seen.has(jti)) {
      return invalidClient(
        50013,
        `Assertion is invalid: the assertion with jti '${jti}' was already presented (token replay).`,
      );
    }
    this.#seen.set(jti, Number(jwt.claims.exp) * 1000 + this.#skewMs);
    return undefined;
  }

  #checkSignature(jwt: Jwt): Refusal | undefined {
    const s256 = jwt.header["x5t#S256"];
    const s1 = jwt.header.x5t;
    const certificate = this.#certificates.find(
      (c) =>
        (typeof s256 === "string" &&
          createHash("sha256").update(c.raw).digest("base64url") === s256) ||
        (typeof s1 === "string" && createHash("sha1").update(c.raw).digest("base64url") === s1),
    );
    const presented = typeof s256 === "string" ? s256 : typeof s1 === "string" ? s1 : "";
    const thumbprint = Buffer.from(presented, "base64url").toString("hex").toUpperCase();
    const failed = (reason: string): Refusal =>
      invalidClient(
        700027,
        `Client assertion failed signature validation. [Reason - ${reason}, Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${this.#clientId}'. Review the documentation at ${DOCS} .]`,
      );
    if (certificate === undefined) return failed("The key was not found.");
    const alg = jwt.header.alg;
    if (alg !== "RS256" && alg !== "PS256")
      return failed(`The algorithm '${String(alg)}' is not supported.`);
    const key =
      alg === "PS256"
        ? {
            key: certificate.publicKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          }
        : certificate.publicKey;
    if (!verify("sha256", Buffer.from(jwt.input), key, jwt.signature)) {
      return failed("The provided signature value did not match the expected signature value.");
    }
    if (Date.parse(certificate.validTo) < this.#now()) return failed("The key used is expired.");
    return undefined;
  }

  #checkClaims(
    claims: Record<string, unknown>,
    clientId: string | undefined,
    tokenUrl: string,
  ): Refusal | undefined {
    if (
      claims.iss !== this.#clientId ||
      claims.sub !== this.#clientId ||
      clientId !== this.#clientId
    ) {
      return invalidClient(
        700021,
        `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at ${DOCS} .`,
      );
    }
    if (claims.aud !== tokenUrl) {
      return invalidClient(
        700023,
        `Client assertion audience claim does not match Realm issuer. Review the documentation at ${DOCS} .`,
      );
    }
    const { nbf, exp } = claims;
    if (typeof exp !== "number") return invalidClient(50027, "JWT token is invalid or malformed.");
    const now = this.#now();
    const early = typeof nbf === "number" && now < nbf * 1000 - this.#skewMs;
    if (early || now > exp * 1000 + this.#skewMs) {
      return invalidClient(
        700024,
        `Client assertion is not within its valid time range. Current time: ${new Date(now).toISOString()}, assertion valid from ${typeof nbf === "number" ? new Date(nbf * 1000).toISOString() : "(no nbf)"}, expiry time of assertion ${new Date(exp * 1000).toISOString()}. Review the documentation at ${DOCS} .`,
      );
    }
    return undefined;
  }
}
