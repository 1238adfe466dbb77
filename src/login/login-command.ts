import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { sha256 } from "../auth/refresh-token-store.js";
import { TokenClient } from "../auth/token-client.js";
import { openTokenState } from "../auth/token-state.js";
import { parseDuration } from "../config/duration.js";
import { defaultStateDir, loadConfig } from "../config/load-config.js";
import { createLogger } from "../log/logger.js";
import { SecretScrubber } from "../log/secret-scrubber.js";
import { httpPolicy } from "../net/exchange.js";
import { USER_AGENT } from "../version.js";
import { browserLogin } from "./browser-flow.js";
import { deviceLogin } from "./device-flow.js";

export const LOGIN_HELP = `Usage: partner-center-exporter login [login flags] [exporter flags]

Signs in once, interactively and with MFA, and stores the first refresh token where the
exporter finds it (STATE_DIR/refresh-token.json, mode 0600).

Login flags:
  --flow browser|device   browser: the authorization-code flow with PKCE; prints a URL and waits
                          on 127.0.0.1 for the redirect (register http://localhost:PORT/ as a
                          redirect URI). device: the device-code flow, for machines without a
                          browser. Default browser.
  --port N                Loopback port of the redirect (default 8400; 0 picks a free one)
  --timeout DURATION      How long to wait for the sign-in (default 5m)
  --print                 Print the refresh token once on stdout (for a secret store) instead of
                          saving it under STATE_DIR

Exporter flags and environment variables used: AZURE_TENANT_ID, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET(_FILE), AZURE_CLOUD, AZURE_AUTHORITY_HOST, STATE_DIR (see --help).
`;

interface LoginFlags {
  flow: "browser" | "device";
  port: number;
  timeoutMs: number;
  print: boolean;
  help: boolean;
  rest: string[];
  problems: string[];
}

function parseLoginFlags(argv: readonly string[]): LoginFlags {
  const flags: LoginFlags = {
    flow: "browser",
    port: 8400,
    timeoutMs: 300_000,
    print: false,
    help: false,
    rest: [],
    problems: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [name, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      i++;
      return argv[i] ?? "";
    };
    switch (name) {
      case "--flow": {
        const flow = value();
        if (flow === "browser" || flow === "device") flags.flow = flow;
        else flags.problems.push(`--flow: "${flow}" is not browser or device`);
        break;
      }
      case "--port": {
        const text = value();
        const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
        if (port >= 0 && port <= 65535) flags.port = port;
        else flags.problems.push(`--port: "${text}" is not a port`);
        break;
      }
      case "--timeout": {
        const text = value();
        const ms = parseDuration(text);
        if (ms !== undefined && ms > 0) flags.timeoutMs = ms;
        else flags.problems.push(`--timeout: "${text}" is not a duration`);
        break;
      }
      case "--print":
        flags.print = true;
        break;
      case "--help":
      case "-h":
        flags.help = true;
        break;
      default:
        flags.rest.push(arg);
    }
  }
  return flags;
}

export interface LoginIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** `partner-center-exporter login`: returns the process exit code. */
export async function runLogin(io: LoginIo): Promise<number> {
  const flags = parseLoginFlags(io.argv);
  if (flags.help) {
    io.stdout(LOGIN_HELP);
    return 0;
  }
  const result = loadConfig({
    argv: flags.rest,
    env: io.env,
    readFile: (p) => readFileSync(p, "utf8"),
  });
  const problems = [...flags.problems, ...(result.kind === "invalid" ? result.problems : [])];
  if (result.kind === "run" && result.config.demo)
    problems.push("--demo: login signs in to a real tenant; it has no demo");
  if (problems.length > 0 || result.kind !== "run") {
    for (const problem of problems) io.stderr(`configuration error: ${problem}\n`);
    return 2;
  }
  const { config } = result;
  const scrubber = new SecretScrubber();
  scrubber.add(config.clientSecret);
  const say = (line: string): void => io.stderr(`${scrubber.scrub(line)}\n`);
  const tokenClient = new TokenClient({
    authorityHost: config.authorityHost,
    tenantId: config.tenantId,
    clientId: config.clientId,
    clientSecret: () => config.clientSecret,
    resource: config.resource,
    ...httpPolicy(config, USER_AGENT),
  });
  const scope = `${config.resource}/user_impersonation offline_access openid profile`;
  let grant: Awaited<ReturnType<typeof browserLogin>>;
  try {
    grant =
      flags.flow === "browser"
        ? await browserLogin({
            tokenClient,
            clientId: config.clientId,
            scope,
            port: flags.port,
            timeoutMs: flags.timeoutMs,
            say,
          })
        : await deviceLogin({ tokenClient, clientId: config.clientId, scope, say });
  } catch (error) {
    say(`login failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (grant.refreshToken === undefined) {
    say(
      "login failed: the authority returned no refresh token (is offline_access allowed for the app?)",
    );
    return 1;
  }
  scrubber.addRotating(grant.refreshToken);
  const mfa =
    grant.mfa === undefined
      ? "unknown"
      : grant.mfa
        ? "yes"
        : "NO - Partner Center requires MFA for App+User calls";
  say(`Signed in. MFA: ${mfa}.`);
  if (flags.print) {
    say(
      "The refresh token follows on stdout, once. Store it in your secret store as PARTNER_CENTER_REFRESH_TOKEN.",
    );
    io.stdout(`${grant.refreshToken}\n`);
    return 0;
  }
  const stateDir = config.stateDir ?? defaultStateDir(io.env);
  const terminal = new Writable({
    write(chunk: Buffer, _encoding, done) {
      io.stderr(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger({ level: "warn", format: "pretty", scrubber, destination: terminal });
  const { store } = await openTokenState(stateDir, undefined, logger);
  try {
    // Tied to the configured token, if any, so the exporter prefers this newer one over it.
    await store.save(
      grant.refreshToken,
      config.refreshToken !== undefined ? sha256(config.refreshToken) : undefined,
    );
  } catch (error) {
    say(
      `login failed: cannot save the refresh token to ${store.path} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
    return 1;
  }
  say(
    `Refresh token saved to ${store.path} (mode 0600). Start the exporter with the same STATE_DIR.`,
  );
  return 0;
}
