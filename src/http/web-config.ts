import type { ServerOptions } from "node:https";
import { dirname, resolve } from "node:path";
import type { Logger } from "pino";
import type { HttpObserver } from "../metrics/http-recorder.js";
import { bcryptHashProblem } from "./bcrypt-hash.js";
import { LiveWebConfig } from "./live-web-config.js";
import { buildTls, type TlsMaterial, type TlsPolicy } from "./tls.js";
import { type ParsedWebConfig, parseWebConfig, type TlsFields } from "./web-config-parse.js";
import { problemText } from "./web-config-problem.js";

/**
 * The web configuration file of the Prometheus exporter-toolkit (`--web.config.file`): TLS,
 * basic auth and response headers for every endpoint, checked at start-up as the toolkit's
 * Validate does, then re-read while serving as the toolkit's handler does.
 */
export interface WebConfig {
  /** The file as it was at start-up. */
  readonly initial: ParsedWebConfig;
  /** TLS as built at start-up; undefined: plain HTTP for the process's life (as the toolkit). */
  readonly tls: StartupTls | undefined;
  /** The file as it is now (users and headers per request, TLS per connection). */
  readonly live: LiveWebConfig;
}

export interface StartupTls {
  readonly fields: TlsFields;
  readonly policy: TlsPolicy;
  readonly material: TlsMaterial;
  readonly options: ServerOptions;
}

/** The file is unreadable or invalid: one line, naming the setting, the file and the problem. */
export class WebConfigError extends Error {
  override name = "WebConfigError";
  constructor(path: string, problem: string) {
    super(`WEB_CONFIG_FILE (--web.config.file): ${path}: ${problem}`);
  }
}

const HTPASSWD_HINT = `make one with: htpasswd -nBC 10 "" | tr -d ':\\n'`;

/** The toolkit's validateUsers: every hash must be one Go's bcrypt.Cost reads. */
function checkUsers(users: ReadonlyMap<string, string>): void {
  for (const [user, hash] of users) {
    // The hash is not echoed: it is not the password, but it is still not for logs.
    const problem = bcryptHashProblem(hash);
    if (problem !== undefined) {
      throw new Error(
        `basic_auth_users.${user} is not a bcrypt hash (${problem}; ${HTPASSWD_HINT})`,
      );
    }
  }
}

function warnUnusableUsers(users: ReadonlyMap<string, string>, logger: Logger | undefined): void {
  for (const user of users.keys()) {
    if (user.includes(":")) {
      logger?.warn({ user }, "basic_auth_users: a user name with a colon can never log in");
    }
  }
}

/** Reads and checks the web configuration file; undefined path: no TLS, no auth. */
export async function loadWebConfig(
  path: string | undefined,
  logger?: Logger,
  observer?: HttpObserver,
): Promise<WebConfig | undefined> {
  if (path === undefined) return undefined;
  // YAML is loaded only when a web config file is given.
  const yaml = await import("yaml");
  const baseDir = dirname(resolve(path));
  const live = new LiveWebConfig(path, (source) => parseWebConfig(yaml, source, baseDir));
  const state = live.current();
  if (!state.ok) throw new WebConfigError(path, state.problem);
  const initial = state.config;
  try {
    checkUsers(initial.users);
    const tls =
      initial.tls === undefined ? undefined : { fields: initial.tls, ...buildTls(initial.tls) };
    warnUnusableUsers(initial.users, logger);
    live.report(logger, observer);
    return { initial, tls, live };
  } catch (error) {
    throw new WebConfigError(path, problemText(error));
  }
}
