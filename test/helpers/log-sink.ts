import type { Logger } from "pino";
import { createLogger } from "../../src/log/logger.js";
import { SecretScrubber } from "../../src/log/secret-scrubber.js";

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface CapturedLogs {
  readonly logger: Logger;
  readonly scrubber: SecretScrubber;
  /** Every line exactly as it would have reached stdout. */
  readonly raw: string[];
  lines(): LogLine[];
}

/** A logger whose lines are kept, raw and parsed, for assertions (pino's `sink()` habit). */
export function captureLogs(level: "debug" | "info" = "debug"): CapturedLogs {
  const raw: string[] = [];
  const scrubber = new SecretScrubber();
  const logger = createLogger({
    level,
    format: "json",
    scrubber,
    destination: {
      write(chunk: string) {
        raw.push(...chunk.split("\n").filter(Boolean));
      },
    },
  });
  return { logger, scrubber, raw, lines: () => raw.map((line) => JSON.parse(line) as LogLine) };
}
