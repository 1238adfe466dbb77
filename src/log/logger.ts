import { createRequire } from "node:module";
import { type DestinationStream, type Logger, pino } from "pino";
import type pinoPretty from "pino-pretty";

const require = createRequire(import.meta.url);

import type { LogFormat, LogLevel } from "../config/load-config.js";
import type { SecretScrubber } from "./secret-scrubber.js";

export type { Logger } from "pino";

/** Field names that carry secrets anywhere in a log object; censored before serialisation. */
export const REDACT_PATHS = [
  "clientSecret",
  "client_secret",
  "refreshToken",
  "refresh_token",
  "accessToken",
  "access_token",
  "authorization",
  "Authorization",
  "password",
  "*.clientSecret",
  "*.client_secret",
  "*.refreshToken",
  "*.refresh_token",
  "*.accessToken",
  "*.access_token",
  "*.authorization",
  "*.Authorization",
  "*.password",
  "headers.authorization",
  "req.headers.authorization",
  "request.headers.authorization",
];

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly scrubber: SecretScrubber;
  /** Where lines go; stdout by default. Tests pass a sink. */
  readonly destination?: DestinationStream;
  readonly isTty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const usePretty =
    options.format === "pretty" ||
    (options.format === "auto" && (options.isTty ?? process.stdout.isTTY === true));
  const base = options.destination ?? pino.destination({ dest: 1, sync: true });
  const destination = usePretty
    ? // Loaded only for people at a terminal: a JSON-logging service never pays for it.
      (require("pino-pretty") as typeof pinoPretty)({
        destination: base,
        sync: true,
        translateTime: "SYS:HH:MM:ss.l",
        ignore: "pid,hostname",
        // One line per event (a poll is one line); the detail, at debug, stays on its line too.
        singleLine: true,
      })
    : base;
  return pino(
    {
      level: options.level,
      base: { service: "partner-center-exporter" },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: (line) => options.scrubber.scrub(line) },
    },
    destination,
  );
}
