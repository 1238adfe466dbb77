#!/usr/bin/env node
// First: no inspector on SIGUSR1 from the moment the process runs.
import "./no-inspector-signal.js";
import { readFileSync } from "node:fs";
import { credentialScrubber } from "./auth/credentials.js";
import { ALL_COLLECTORS } from "./collectors/index.js";
import { reportConfigErrors } from "./config/config-errors.js";
import { renderHelp } from "./config/help.js";
import { loadConfig } from "./config/load-config.js";
import { type RunningExporter, startExporter } from "./exporter/start-exporter.js";
import { StartupError } from "./exporter/startup-error.js";
import { createLogger, type Logger } from "./log/logger.js";
import { VERSION, versionText } from "./version.js";

const FORCE_EXIT_MS = 10_000;
const stderr = (text: string): void => {
  process.stderr.write(text);
};

/** Stops on SIGTERM or SIGINT, then exits: 0 if all stopped within FORCE_EXIT_MS, else 1. */
function stopOnSignals(running: { stop(): Promise<void> }, logger: Logger): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, FORCE_EXIT_MS);
    force.unref();
    running.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: String(error) }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

async function main(): Promise<void> {
  if (process.argv[2] === "simulator") {
    const { startSimulatorCommand } = await import("../simulator/simulator-command.js");
    const started = await startSimulatorCommand({
      argv: process.argv.slice(3),
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
    if (typeof started === "number") process.exitCode = started;
    else stopOnSignals(started, started.logger);
    return;
  }
  if (process.argv[2] === "login") {
    const { runLogin } = await import("./login/login-command.js");
    process.exitCode = await runLogin({
      argv: process.argv.slice(3),
      env: process.env,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
    return;
  }
  const result = loadConfig({
    argv: process.argv.slice(2),
    env: process.env,
    readFile: (path) => readFileSync(path, "utf8"),
  });
  if (result.kind === "help") {
    process.stdout.write(renderHelp(VERSION, ALL_COLLECTORS));
    return;
  }
  if (result.kind === "version") {
    process.stdout.write(versionText());
    return;
  }
  if (result.kind === "invalid") {
    process.exitCode = reportConfigErrors(result.problems, stderr);
    return;
  }
  const { config, warnings } = result;
  const scrubber = credentialScrubber(config);
  const logger = createLogger({ ...config.log, scrubber });
  for (const warning of warnings) logger.warn(warning);

  let exporter: RunningExporter;
  try {
    // --demo: the simulator's own entry, which starts it and the exporter pointed at it.
    exporter = config.demo
      ? await (await import("../simulator/demo.js")).startDemo(config, logger, scrubber)
      : await startExporter(config, logger, scrubber);
  } catch (error) {
    if (error instanceof StartupError) {
      process.exitCode = reportConfigErrors([scrubber.scrub(error.message)], stderr);
      return;
    }
    throw error;
  }

  stopOnSignals(exporter, logger);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `partner-center-exporter: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
