import { createHash, randomBytes } from "node:crypto";
import type { Request, Response } from "express";
import { escapeHtml, page, type Refusal } from "./aad-errors.js";

interface AuthorizationCode {
  readonly redirectUri: string;
  readonly challenge: string;
  readonly expiresAt: number;
}

const CODE_LIFETIME_MS = 10 * 60_000;
const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//;

/** The authorization-code flow with PKCE: the sign-in page, its redirect, and code redemption. */
export class SimulatedSignIn {
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** GET /{tenant}/oauth2/v2.0/authorize: the sign-in form, or an error page for a bad request. */
  page(req: Request, res: Response, tenantId: string, clientId: string): void {
    const q = req.query as Record<string, string | undefined>;
    const problem =
      req.params.tenant !== tenantId
        ? "AADSTS90002: Tenant not found."
        : q.client_id !== clientId
          ? "AADSTS700016: Application not found in the directory."
          : q.response_type !== "code"
            ? "AADSTS900144: The request body must contain the following parameter: 'response_type=code'."
            : !LOOPBACK.test(q.redirect_uri ?? "")
              ? "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application."
              : q.code_challenge_method !== "S256" || !q.code_challenge
                ? "AADSTS9002325: Proof Key for Code Exchange is required."
                : undefined;
    if (problem !== undefined) {
      res
        .status(400)
        .type("html")
        .send(page("Sign-in error", `<p id="error">${escapeHtml(problem)}</p>`));
      return;
    }
    const hidden = ["redirect_uri", "state", "code_challenge"]
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(q[name] ?? "")}">`)
      .join("");
    res.type("html").send(
      page(
        "Sign in",
        `<form method="post">${hidden}
<label>Email <input id="username" name="username" type="email" required></label>
<label>Password <input id="password" name="password" type="password" required></label>
<label>Authenticator code <input id="otp" name="otp" inputmode="numeric" required></label>
<button id="signin" type="submit">Sign in</button></form>`,
      ),
    );
  }

  /** POST /{tenant}/oauth2/v2.0/authorize: signed in; back to the redirect URI with a code. */
  submit(req: Request, res: Response): void {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const redirectUri = body.redirect_uri ?? "";
    if (!LOOPBACK.test(redirectUri) || !body.code_challenge) {
      res.status(400).type("html").send(page("Sign-in error", "<p>Bad request.</p>"));
      return;
    }
    const code = `sim-code.${randomBytes(24).toString("base64url")}`;
    this.#codes.set(code, {
      redirectUri,
      challenge: body.code_challenge,
      expiresAt: this.#now() + CODE_LIFETIME_MS,
    });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    if (body.state !== undefined) target.searchParams.set("state", body.state);
    res.redirect(302, target.href);
  }

  /** The authorization-code grant: the code (once), its redirect URI and the PKCE verifier. */
  redeem(body: Record<string, string | undefined>): Refusal | undefined {
    const code = this.#codes.get(body.code ?? "");
    this.#codes.delete(body.code ?? "");
    const refuse = (aadsts: number, message: string): Refusal => ({
      status: 400,
      error: "invalid_grant",
      aadsts,
      message,
    });
    if (code === undefined || code.expiresAt < this.#now()) {
      return refuse(70008, "The provided authorization code or refresh token has expired.");
    }
    if (body.redirect_uri !== code.redirectUri) {
      return refuse(50011, "The redirect URI does not match the one in the request.");
    }
    const verifier = body.code_verifier ?? "";
    if (createHash("sha256").update(verifier).digest("base64url") !== code.challenge) {
      return refuse(501481, "The Code_Verifier does not match the code_challenge.");
    }
    return undefined;
  }
}
