import type { Clock } from "../../src/net/request-pace.js";

/** A clock whose sleeps pass at once, moving its time on: minutes of pacing in no time. */
export class FakeClock implements Clock {
  #now: number;
  /** Every sleep asked for, in order. */
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 11, 3, 9, 0, 0)) {
    this.#now = start;
  }

  now = (): number => this.#now;

  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.#now += ms;
    // A turn of the event loop, as a real wait would give.
    await new Promise((resolve) => setImmediate(resolve));
  };
}

/** The most requests any window of `windowMs` holds, over sorted arrival times. */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[first] as number) <= (sorted[last] as number) - windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
