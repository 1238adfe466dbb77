import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { type ClientCredential, CredentialError } from "../auth/client-credential.js";
import { createClientCredential } from "../auth/create-client-credential.js";
import { credentialScrubber, credentialSettings, tokenClientFor } from "../auth/credentials.js";
import { sha256 } from "../auth/refresh-token-store.js";
import type { TokenGrant } from "../auth/token-client.js";
import { openTokenState } from "../auth/token-state.js";
import { type CommandFlag, commandFlagsHelp, readCommandArgs } from "../config/command-flags.js";
import { reportConfigErrors } from "../config/config-errors.js";
import { type Config, defaultStateDir, loadConfig } from "../config/load-config.js";
import { boolean, choice, duration, integer } from "../config/parsers.js";
import { SETTINGS } from "../config/settings.js";
import { createLogger } from "../log/logger.js";
import type { SecretScrubber } from "../log/secret-scrubber.js";
import { browserLogin } from "./browser-flow.js";
import { deviceLogin } from "./device-flow.js";

const FLOW: CommandFlag<"browser" | "device"> = {
  flag: "flow",
  help: "`browser`: the authorization-code flow with PKCE; prints a URL and waits on 127.0.0.1 for the redirect (register http://localhost:PORT/ as a redirect URI). `device`: the device-code flow, for machines without a browser",
  default: "browser",
  ...choice(["browser", "device"]),
};
const PORT: CommandFlag<number> = {
  flag: "port",
  help: "Loopback port of the redirect (0 picks a free one)",
  default: "8400",
  ...integer(0, 65535),
};
const TIMEOUT: CommandFlag<number> = {
  flag: "timeout",
  help: "How long to wait for the sign-in",
  default: "5m",
  ...duration({ minMs: 1 }),
};
const PRINT: CommandFlag<boolean> = {
  flag: "print",
  help: "Print the refresh token once on stdout (for a secret store) instead of saving it under STATE_DIR",
  default: "false",
  ...boolean(),
};
const LOGIN_FLAGS: readonly CommandFlag<unknown>[] = [FLOW, PORT, TIMEOUT, PRINT];

function loginHelp(): string {
  const used = SETTINGS.filter((s) => "login" in s && s.login).map((s) =>
    s.kind === "secret" ? `${s.env}(_FILE)` : s.env,
  );
  return [
    "Usage: partner-center-exporter login [login flags] [exporter flags]",
    "",
    "Signs in once, interactively and with MFA, and stores the first refresh token where the",
    "exporter finds it (STATE_DIR/refresh-token.json, mode 0600). To rehearse it without",
    "credentials, run `partner-center-exporter simulator` and sign in to that (simulator --help).",
    "",
    "Login flags:",
    ...commandFlagsHelp(LOGIN_FLAGS),
    "",
    `Exporter flags and environment variables used: ${used.join(", ")} (see --help).`,
    "",
  ].join("\n");
}

export const LOGIN_HELP = loginHelp();

interface LoginFlags {
  readonly flow: "browser" | "device";
  readonly port: number;
  readonly timeoutMs: number;
  readonly print: boolean;
  readonly help: boolean;
  /** The exporter's flags, for loadConfig. */
  readonly rest: readonly string[];
}

function parseLoginFlags(argv: readonly string[], problems: string[]): LoginFlags {
  const args = readCommandArgs(argv, LOGIN_FLAGS, problems, true);
  return {
    flow: args.value(FLOW),
    port: args.value(PORT),
    timeoutMs: args.value(TIMEOUT),
    print: args.value(PRINT),
    help: args.help,
    rest: args.rest,
  };
}

export interface LoginIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Where login sends someone without credentials: the simulator, which it signs in to. */
const REHEARSAL = "run `partner-center-exporter simulator` to rehearse without credentials";

/** The exporter's settings login needs, or undefined with the problems added. */
function loginConfig(io: LoginIo, flags: LoginFlags, problems: string[]): Config | undefined {
  const result = loadConfig({
    argv: flags.rest,
    env: io.env,
    readFile: (p) => readFileSync(p, "utf8"),
    withoutCredentials: REHEARSAL,
  });
  if (result.kind === "invalid") problems.push(...result.problems);
  if (result.kind === "run" && result.config.demo) {
    problems.push(`--demo: login signs in to a tenant and has no demo; ${REHEARSAL}`);
  }
  return problems.length === 0 && result.kind === "run" ? result.config : undefined;
}

/** The configured client credential (the same as the exporter's); a broken one is a problem. */
function loginCredential(
  config: Config,
  scrubber: SecretScrubber,
  problems: string[],
): ClientCredential | undefined {
  const settings = credentialSettings(config, {
    clientSecret: () => config.azure.clientSecret,
    certificatePassword: () => config.azure.clientCertificatePassword,
  });
  try {
    return createClientCredential(settings, scrubber, (problem) => problems.push(problem));
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/** The interactive sign-in, by the chosen flow. */
function signIn(
  config: Config,
  credential: ClientCredential | undefined,
  flags: LoginFlags,
  say: (line: string) => void,
): Promise<TokenGrant> {
  const { clientId, resource } = config.azure;
  const tokenClient = tokenClientFor(config, credential);
  const scope = `${resource}/user_impersonation offline_access openid profile`;
  if (flags.flow === "device") return deviceLogin({ tokenClient, clientId, scope, say });
  const { port, timeoutMs } = flags;
  return browserLogin({ tokenClient, clientId, scope, port, timeoutMs, say });
}

/** Saves the token under STATE_DIR, tied to the configured one (so the exporter prefers this). */
async function saveToken(
  config: Config,
  refreshToken: string,
  io: LoginIo,
  scrubber: SecretScrubber,
): Promise<string> {
  const terminal = new Writable({
    write(chunk: Buffer, _encoding, done) {
      io.stderr(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger({ level: "warn", format: "pretty", scrubber, destination: terminal });
  const stateDir = config.state.dir ?? defaultStateDir(io.env);
  const { store } = await openTokenState(stateDir, undefined, logger);
  const configured = config.partnerCenter.refreshToken;
  try {
    await store.save(refreshToken, configured !== undefined ? sha256(configured) : undefined);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new Error(`cannot save the refresh token to ${store.path} (${code})`);
  }
  return store.path;
}

function mfaText(mfa: boolean | undefined): string {
  if (mfa === undefined) return "unknown";
  return mfa ? "yes" : "NO - Partner Center requires MFA for App+User calls";
}

/** `partner-center-exporter login`: returns the process exit code. */
export async function runLogin(io: LoginIo): Promise<number> {
  const problems: string[] = [];
  const flags = parseLoginFlags(io.argv, problems);
  if (flags.help) {
    io.stdout(LOGIN_HELP);
    return 0;
  }
  const config = loginConfig(io, flags, problems);
  if (config === undefined) {
    return reportConfigErrors(problems, io.stderr);
  }
  const scrubber = credentialScrubber(config);
  const credential = loginCredential(config, scrubber, problems);
  if (problems.length > 0) {
    return reportConfigErrors(
      problems.map((p) => scrubber.scrub(p)),
      io.stderr,
    );
  }
  const say = (line: string): void => io.stderr(`${scrubber.scrub(line)}\n`);
  try {
    const grant = await signIn(config, credential, flags, say);
    if (grant.refreshToken === undefined) {
      throw new Error(
        "the authority returned no refresh token (is offline_access allowed for the app?)",
      );
    }
    scrubber.addRotating(grant.refreshToken);
    say(`Signed in. MFA: ${mfaText(grant.mfa)}.`);
    if (flags.print) {
      say(
        "The refresh token follows on stdout, once. Store it in your secret store as PARTNER_CENTER_REFRESH_TOKEN.",
      );
      io.stdout(`${grant.refreshToken}\n`);
      return 0;
    }
    const path = await saveToken(config, grant.refreshToken, io, scrubber);
    say(`Refresh token saved to ${path} (mode 0600). Start the exporter with the same STATE_DIR.`);
    return 0;
  } catch (error) {
    say(`login failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
