import { describe, expect, it } from "vitest";
import { RequestPace } from "../../src/net/request-pace.js";
import { busiestWindow, FakeClock } from "../helpers/fake-clock.js";

const MINUTE = 60_000;

async function sendAll(pace: RequestPace, clock: FakeClock, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await pace.acquire();
    times.push(clock.now());
  }
  return times;
}

describe("the request pace (a sliding window)", () => {
  it("never lets more than the limit into any window, and no fewer than it allows", async () => {
    const clock = new FakeClock();
    const pace = new RequestPace({ limit: 7, clock });
    const times = await sendAll(pace, clock, 50);
    expect(busiestWindow(times, MINUTE)).toBe(7);
    // 50 requests at 7 a minute: the 50th goes in the 8th minute, not later.
    const elapsed = (times.at(-1) ?? 0) - (times[0] ?? 0);
    expect(elapsed).toBeGreaterThanOrEqual(7 * MINUTE);
    expect(elapsed).toBeLessThan(8 * MINUTE);
  });

  it("serves concurrent callers one after another, within the same limit", async () => {
    const clock = new FakeClock();
    const pace = new RequestPace({ limit: 3, clock });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, () => pace.acquire().then(() => times.push(clock.now()))),
    );
    expect(times).toHaveLength(10);
    expect(busiestWindow(times, MINUTE)).toBe(3);
  });

  it("halves the pace on a 429 and climbs back a quarter of the limit per quiet window", async () => {
    const clock = new FakeClock();
    const pace = new RequestPace({ limit: 100, clock });
    pace.throttled();
    expect(pace.current).toBe(50);
    pace.throttled();
    expect(pace.current).toBe(25);
    const times = await sendAll(pace, clock, 30);
    expect(busiestWindow(times.slice(0, 25), MINUTE)).toBe(25);
    await clock.sleep(MINUTE);
    expect(pace.current).toBeGreaterThan(25);
    await clock.sleep(5 * MINUTE);
    expect(pace.current).toBe(100);
  });

  it("never goes below one request a window", () => {
    const pace = new RequestPace({ limit: 1, clock: new FakeClock() });
    pace.throttled();
    expect(pace.current).toBe(1);
  });

  it("stops waiting when the signal aborts", async () => {
    const clock = new FakeClock();
    const pace = new RequestPace({ limit: 1, clock });
    await pace.acquire();
    const stop = new AbortController();
    stop.abort(new Error("stopped"));
    await expect(pace.acquire(stop.signal)).rejects.toThrow("stopped");
  });
});
