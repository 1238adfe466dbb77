import { sleep } from "./backoff.js";

/** Time as the pace sees it: injected, so a test can run minutes of pacing in no time. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: Clock = { now: () => Date.now(), sleep };

export interface RequestPaceOptions {
  /** At most this many requests in any window. */
  readonly limit: number;
  readonly windowMs?: number;
  readonly clock?: Clock;
  /** After a throttle, the pace climbs back by this fraction of the limit per quiet window. */
  readonly recoveryPerWindow?: number;
}

const MINUTE_MS = 60_000;

/**
 * A sliding-window limit on requests: never more than `limit` in any `windowMs`, counted when each
 * request (retries included) is sent. A 429 halves the pace; each window without one brings a
 * quarter of the limit back, up to the configured limit.
 */
export class RequestPace {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #clock: Clock;
  readonly #recovery: number;
  /** When each request was sent, oldest first, from #first on (the ones before left the window). */
  #sent: number[] = [];
  #first = 0;
  #pace: number;
  #throttledAt = Number.NEGATIVE_INFINITY;
  /** Acquisitions are served one after another: each sees the window its predecessor left. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: RequestPaceOptions) {
    this.#limit = options.limit;
    this.#pace = options.limit;
    this.#windowMs = options.windowMs ?? MINUTE_MS;
    this.#clock = options.clock ?? REAL_CLOCK;
    this.#recovery = options.recoveryPerWindow ?? 0.25;
  }

  /** The requests a window allows now (the limit, or less after a throttle). */
  get current(): number {
    this.#recover();
    return this.#pace;
  }

  get windowMs(): number {
    return this.#windowMs;
  }

  /** Partner Center answered 429: slow down. */
  throttled(): void {
    this.#recover();
    this.#pace = Math.max(1, Math.floor(this.#pace / 2));
    this.#throttledAt = this.#clock.now();
  }

  /** Resolves when one more request may be sent, and counts it as sent. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#wait(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      this.#leave(now);
      const pace = this.current;
      const inWindow = this.#sent.length - this.#first;
      if (inWindow < pace) {
        this.#sent.push(now);
        return;
      }
      // The oldest requests leave the window first: wait until enough have.
      const until = (this.#sent[this.#sent.length - pace] as number) + this.#windowMs;
      await this.#clock.sleep(Math.max(1, until - now), signal);
    }
  }

  /** Forgets the requests that left the window (the array is compacted now and then, not shifted). */
  #leave(now: number): void {
    const sent = this.#sent;
    while (this.#first < sent.length && (sent[this.#first] as number) <= now - this.#windowMs) {
      this.#first++;
    }
    if (this.#first > 1024 && this.#first * 2 > sent.length) {
      this.#sent = sent.slice(this.#first);
      this.#first = 0;
    }
  }

  #recover(): void {
    if (this.#pace >= this.#limit) return;
    const quiet = Math.floor((this.#clock.now() - this.#throttledAt) / this.#windowMs);
    if (quiet <= 0) return;
    const step = Math.max(1, Math.ceil(this.#limit * this.#recovery));
    this.#pace = Math.min(this.#limit, this.#pace + quiet * step);
    this.#throttledAt += quiet * this.#windowMs;
  }
}
