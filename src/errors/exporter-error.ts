import { formatDuration } from "../config/duration.js";

/**
 * Why a poll failed: a small fixed set, used both in log lines and as the `reason` label of
 * partner_center_poll_errors_total.
 */
export const FAILURE_REASONS = [
  "network",
  "timeout",
  "throttled",
  "http_error",
  "invalid_response",
  "auth",
  "redirect",
  "too_many_series",
  "aborted",
  "internal",
] as const;

export type FailureReason = (typeof FAILURE_REASONS)[number];

export abstract class ExporterError extends Error {
  abstract readonly reason: FailureReason;
}

/** The poll was cancelled (shutdown); not the API's fault. */
export class AbortedError extends ExporterError {
  readonly reason = "aborted";
  constructor(message = "cancelled") {
    super(message);
    this.name = "AbortedError";
  }
}

/** The poll's overall deadline passed. */
export class DeadlineError extends ExporterError {
  readonly reason = "timeout";
  constructor(deadlineMs: number) {
    super(`poll deadline of ${formatDuration(deadlineMs)} exceeded`);
    this.name = "DeadlineError";
  }
}
