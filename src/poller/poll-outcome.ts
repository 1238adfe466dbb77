import type { Collection, Collector } from "../collectors/collector.js";
import type { FailureReason } from "../errors/exporter-error.js";

export type CollectorOutcome =
  | {
      readonly collector: Collector;
      readonly ok: true;
      readonly collection: Collection;
      readonly durationMs: number;
    }
  | {
      readonly collector: Collector;
      readonly ok: false;
      readonly reason: FailureReason;
      readonly error: string;
      readonly durationMs: number;
    };

export interface PollOutcome {
  readonly correlationId: string;
  readonly ok: boolean;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly results: readonly CollectorOutcome[];
}

/** Receives every finished poll (the metrics layer, wired in main). */
export interface PollSink {
  /** May render asynchronously; the poll ends when it has. */
  onPollComplete(outcome: PollOutcome): void | Promise<void>;
}
