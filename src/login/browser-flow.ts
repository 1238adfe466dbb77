import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TokenClient, TokenGrant } from "../auth/token-client.js";
import { formatDuration } from "../config/duration.js";
import { createPkce } from "./pkce.js";

export interface BrowserFlowOptions {
  readonly tokenClient: Pick<TokenClient, "grant" | "baseUrl">;
  readonly clientId: string;
  readonly scope: string;
  /** Loopback port for the redirect (registered as http://localhost:PORT/); 0 picks one. */
  readonly port: number;
  readonly timeoutMs: number;
  /** Where instructions go (the terminal). */
  readonly say: (line: string) => void;
}

const DONE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed in</title></head>
<body><h1>Signed in</h1><p id="done">partner-center-exporter received the sign-in. You can close this window.</p></body></html>`;

function errorPage(message: string): string {
  const safe = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p id="error">${safe}</p></body></html>`;
}

/** The sign-in URL: the authorize endpoint with PKCE, coming back to the loopback redirect. */
function authorizeUrl(
  options: BrowserFlowOptions,
  redirectUri: string,
  state: string,
  challenge: string,
): URL {
  const authorize = new URL(`${options.tokenClient.baseUrl}/v2.0/authorize`);
  for (const [key, value] of Object.entries({
    client_id: options.clientId,
    response_type: "code",
    response_mode: "query",
    redirect_uri: redirectUri,
    scope: options.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    prompt: "select_account",
  })) {
    authorize.searchParams.set(key, value);
  }
  return authorize;
}

type Redirect = { readonly code: string } | { readonly error: Error } | undefined;

/** What the browser brought back: the code, the authority's error, or nothing of ours. */
function answerRedirect(req: IncomingMessage, res: ServerResponse, state: string): Redirect {
  const html = { "Content-Type": "text/html; charset=utf-8" };
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname !== "/" || req.method !== "GET") {
    res.writeHead(404).end();
    return undefined;
  }
  const params = url.searchParams;
  const error = params.get("error");
  if (error !== null) {
    const description = params.get("error_description") ?? "";
    res.writeHead(400, html).end(errorPage(`${error}: ${description}`));
    return { error: new Error(`sign-in failed: ${error}${description ? `: ${description}` : ""}`) };
  }
  const code = params.get("code");
  if (code === null || params.get("state") !== state) {
    // Not our redirect (a stray request or a forged one): ignore it and keep waiting.
    res.writeHead(400, html).end(errorPage("Unexpected request."));
    return undefined;
  }
  res.writeHead(200, html).end(DONE_PAGE);
  return { code };
}

/** Listens on 127.0.0.1 for the redirect, says where to sign in, and waits for the code. */
function waitForCode(
  options: BrowserFlowOptions,
  server: Server,
  state: string,
  challenge: string,
): Promise<{ code: string; redirectUri: string }> {
  return new Promise((resolve, reject) => {
    let redirectUri = "";
    const timer = setTimeout(
      () => reject(new Error(`no sign-in arrived within ${formatDuration(options.timeoutMs)}`)),
      options.timeoutMs,
    );
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const redirect = answerRedirect(req, res, state);
      if (redirect === undefined) return;
      clearTimeout(timer);
      if ("error" in redirect) reject(redirect.error);
      else resolve({ code: redirect.code, redirectUri });
    });
    server.once("error", (error) => {
      clearTimeout(timer);
      const where = `127.0.0.1:${options.port}`;
      reject(new Error(`cannot listen on ${where} for the redirect: ${error.message}`));
    });
    server.listen(options.port, "127.0.0.1", () => {
      redirectUri = `http://localhost:${(server.address() as AddressInfo).port}/`;
      options.say(
        "Open this URL in a browser and sign in (with MFA) as a Partner Center admin agent:",
      );
      options.say(authorizeUrl(options, redirectUri, state, challenge).href);
      options.say(`Waiting for the browser to return to ${redirectUri} ...`);
    });
  });
}

/**
 * The authorization-code flow with PKCE and a loopback redirect: prints the sign-in URL, waits on
 * 127.0.0.1 for the browser to come back with a code, and redeems it.
 */
export async function browserLogin(options: BrowserFlowOptions): Promise<TokenGrant> {
  const { verifier, challenge } = createPkce();
  const state = randomBytes(16).toString("base64url");
  const server = createServer();
  try {
    const { code, redirectUri } = await waitForCode(options, server, state, challenge);
    return await options.tokenClient.grant("/v2.0/token", {
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope: options.scope,
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
