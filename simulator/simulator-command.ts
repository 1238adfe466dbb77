import { pino } from "pino";
import { Cleanup, temporaryDir } from "../src/cleanup.js";
import { flagLabel } from "../src/config/argv.js";
import {
  type CommandFlag,
  commandFlagsHelp,
  readCommandArgs,
} from "../src/config/command-flags.js";
import { reportConfigErrors } from "../src/config/config-errors.js";
import type { ListenAddress } from "../src/config/listen-address.js";
import { listenAddress } from "../src/config/parsers.js";
import { createLogger, type Logger } from "../src/log/logger.js";
import { SecretScrubber } from "../src/log/secret-scrubber.js";
import { PartnerCenterSimulator } from "./simulator.js";

const LISTEN: CommandFlag<ListenAddress> = {
  flag: "web.listen-address",
  help: "Where the simulator listens (port 0 picks a free one; the printed settings carry the port it got)",
  default: "127.0.0.1:9842",
  ...listenAddress(),
};
const SIMULATOR_FLAGS: readonly CommandFlag<unknown>[] = [LISTEN];

export const SIMULATOR_HELP = [
  "Usage: partner-center-exporter simulator [flags]",
  "",
  "Runs the built-in Partner Center and Entra ID simulator on its own, to rehearse the real path",
  "without credentials: the exporter in its normal mode, and both login flows, against it.",
  "It prints on stdout, one per line, the settings that point them at it (AZURE_TENANT_ID,",
  "AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST, PARTNER_CENTER_URL,",
  "PARTNER_CENTER_REFRESH_TOKEN: a first refresh token it accepts, and STATE_DIR: a temporary",
  "folder it removes when it stops); everything else goes to stderr. Stop it with Ctrl-C.",
  "",
  "  partner-center-exporter simulator > simulator.env &",
  "  set -a; . ./simulator.env; set +a",
  "  partner-center-exporter login --flow device",
  "  partner-center-exporter",
  "",
  "Flags:",
  ...commandFlagsHelp(SIMULATOR_FLAGS),
  "",
].join("\n");

export interface SimulatorIo {
  readonly argv: readonly string[];
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface RunningSimulator {
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** A value a POSIX shell reads back as it is: bare when that is safe, else single-quoted. */
export function shellValue(value: string): string {
  return /^[\w.,:/@%+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function settingsText(simulator: PartnerCenterSimulator, url: string, stateDir: string): string {
  const settings: readonly (readonly [string, string])[] = [
    ["AZURE_TENANT_ID", simulator.tenantId],
    ["AZURE_CLIENT_ID", simulator.clientId],
    ["AZURE_CLIENT_SECRET", simulator.clientSecret],
    ["AZURE_AUTHORITY_HOST", url],
    ["PARTNER_CENTER_URL", url],
    ["PARTNER_CENTER_REFRESH_TOKEN", simulator.initialRefreshToken],
    ["STATE_DIR", stateDir],
  ];
  return settings.map(([name, value]) => `${name}=${shellValue(value)}\n`).join("");
}

/** The simulator's log on stderr: stdout carries only the settings. */
function stderrLogger(simulator: PartnerCenterSimulator): Logger {
  const scrubber = new SecretScrubber();
  scrubber.add(simulator.clientSecret);
  scrubber.addRotating(simulator.initialRefreshToken);
  const destination = pino.destination({ dest: 2, sync: true });
  const isTty = process.stderr.isTTY === true;
  return createLogger({ level: "info", format: "auto", isTty, scrubber, destination });
}

/** `partner-center-exporter simulator`: an exit code, or the simulator, running until stopped. */
export async function startSimulatorCommand(io: SimulatorIo): Promise<number | RunningSimulator> {
  const problems: string[] = [];
  const args = readCommandArgs(io.argv, SIMULATOR_FLAGS, problems, false);
  const listen = args.value(LISTEN);
  if (args.help) {
    io.stdout(SIMULATOR_HELP);
    return 0;
  }
  if (problems.length > 0) {
    return reportConfigErrors(problems, io.stderr);
  }
  const simulator = new PartnerCenterSimulator();
  const cleanup = new Cleanup();
  let url: string;
  try {
    url = await simulator.start(listen.port, listen.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const where = `${listen.host ?? ""}:${listen.port}`;
    return reportConfigErrors(
      [`${flagLabel(LISTEN)}: cannot listen on ${where} (${code})`],
      io.stderr,
    );
  }
  cleanup.defer(() => simulator.stop());
  const stateDir = await temporaryDir("partner-center-exporter-simulator-", cleanup);
  const logger = stderrLogger(simulator);
  io.stdout(settingsText(simulator, url, stateDir));
  logger.info(
    { url, stateDir, deviceLogin: `${url}/devicelogin` },
    "Partner Center simulator listening; its sign-in page takes any email, password and code",
  );
  return { logger, stop: () => cleanup.run() };
}
