import { describe, expect, it } from "vitest";
import { Cleanup } from "../../src/cleanup.js";

describe("Cleanup", () => {
  it("undoes in reverse, once, and reports the first failure after running every step", async () => {
    const cleanup = new Cleanup();
    const done: string[] = [];
    cleanup.defer(() => {
      done.push("simulator");
    });
    cleanup.defer(() => {
      throw new Error("server");
    });
    cleanup.defer(async () => {
      done.push("poller");
    });
    await expect(cleanup.run()).rejects.toThrow("server");
    expect(done).toEqual(["poller", "simulator"]);
    await cleanup.run();
    expect(done).toEqual(["poller", "simulator"]);
  });
});
