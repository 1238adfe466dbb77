import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TokenClient, TokenGrant } from "../auth/token-client.js";
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

/**
 * The authorization-code flow with PKCE and a loopback redirect: prints the sign-in URL, waits on
 * 127.0.0.1 for the browser to come back with a code, and redeems it.
 */
export async function browserLogin(options: BrowserFlowOptions): Promise<TokenGrant> {
  const { verifier, challenge } = createPkce();
  const state = randomBytes(16).toString("base64url");
  let server: Server | undefined;
  try {
    const code = await new Promise<{ code: string; redirectUri: string }>((resolve, reject) => {
      let redirectUri = "";
      const timer = setTimeout(
        () =>
          reject(new Error(`no sign-in arrived within ${Math.round(options.timeoutMs / 1000)}s`)),
        options.timeoutMs,
      );
      const listener = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        if (url.pathname !== "/" || req.method !== "GET") {
          res.writeHead(404).end();
          return;
        }
        const params = url.searchParams;
        const error = params.get("error");
        if (error !== null) {
          const description = params.get("error_description") ?? "";
          res
            .writeHead(400, { "Content-Type": "text/html; charset=utf-8" })
            .end(errorPage(`${error}: ${description}`));
          clearTimeout(timer);
          reject(new Error(`sign-in failed: ${error}${description ? `: ${description}` : ""}`));
          return;
        }
        const received = params.get("code");
        if (received === null || params.get("state") !== state) {
          // Not our redirect (a stray request or a forged one): ignore it and keep waiting.
          res
            .writeHead(400, { "Content-Type": "text/html; charset=utf-8" })
            .end(errorPage("Unexpected request."));
          return;
        }
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(DONE_PAGE);
        clearTimeout(timer);
        resolve({ code: received, redirectUri });
      });
      server = listener;
      listener.once("error", (error) => {
        clearTimeout(timer);
        reject(
          new Error(
            `cannot listen on 127.0.0.1:${options.port} for the redirect: ${error.message}`,
          ),
        );
      });
      listener.listen(options.port, "127.0.0.1", () => {
        const port = (listener.address() as AddressInfo).port;
        redirectUri = `http://localhost:${port}/`;
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
        options.say(
          "Open this URL in a browser and sign in (with MFA) as a Partner Center admin agent:",
        );
        options.say(authorize.href);
        options.say(`Waiting for the browser to return to ${redirectUri} ...`);
      });
    });
    return await options.tokenClient.grant("/v2.0/token", {
      grant_type: "authorization_code",
      code: code.code,
      redirect_uri: code.redirectUri,
      code_verifier: verifier,
      scope: options.scope,
    });
  } finally {
    server?.closeAllConnections();
    server?.close();
  }
}
