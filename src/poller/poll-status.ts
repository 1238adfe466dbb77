import type { PollOutcome } from "./poll-outcome.js";

/** A collector whose last poll failed, and why. */
export interface CollectorFailure {
  readonly collector: string;
  readonly reason: string;
}

/**
 * What the polls so far came to, kept by the poller: readiness (/readyz) and the landing page
 * read it (main hands it to the HTTP layer, which knows only the shape).
 */
export class PollStatus {
  #lastPollAt: number | undefined;
  #lastPollOk: boolean | undefined;
  #lastSuccessAt: number | undefined;
  #failures: readonly CollectorFailure[] = [];

  /** When the last poll finished (undefined: the first one is still running). */
  get lastPollAt(): number | undefined {
    return this.#lastPollAt;
  }

  get lastPollOk(): boolean | undefined {
    return this.#lastPollOk;
  }

  get lastSuccessAt(): number | undefined {
    return this.#lastSuccessAt;
  }

  /** The collectors that failed in the last poll. */
  get failures(): readonly CollectorFailure[] {
    return this.#failures;
  }

  /** Ready once a poll has fully succeeded. */
  get ready(): boolean {
    return this.#lastSuccessAt !== undefined;
  }

  record(outcome: PollOutcome): void {
    this.#lastPollAt = outcome.finishedAt;
    this.#lastPollOk = outcome.ok;
    if (outcome.ok) this.#lastSuccessAt = outcome.finishedAt;
    this.#failures = outcome.results.flatMap((r) =>
      r.ok ? [] : [{ collector: r.collector.name, reason: r.reason }],
    );
  }
}
