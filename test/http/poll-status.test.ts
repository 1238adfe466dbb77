import { afterEach, describe, expect, it } from "vitest";
import type { PollStatusView } from "../../src/http/app.js";
import { type RunningServer, serve } from "../../src/http/server.js";
import { PollStatus } from "../../src/poller/poll-status.js";
import { captureLogs } from "../helpers/log-sink.js";

/** /readyz and the landing page read the status object they are given (the poller's, in main). */

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close(0);
  server = undefined;
});

function startWith(pollStatus: PollStatusView): Promise<RunningServer> {
  return serve({
    metrics: {
      body: () => Promise.reject(new Error("not scraped here")),
    },
    pollStatus,
    telemetryPath: "/metrics",
    version: "test",
    logger: captureLogs().logger,
    listen: [{ host: "127.0.0.1", port: 0 }],
    webConfigFile: undefined,
  });
}

describe("readiness and the landing page", () => {
  it("follow the status they are given, as it changes", async () => {
    const status = {
      ready: false,
      lastPollAt: undefined as number | undefined,
      lastPollOk: undefined as boolean | undefined,
      lastSuccessAt: undefined as number | undefined,
      failures: [] as { collector: string; reason: string }[],
    };
    server = await startWith(status);
    const { url } = server;
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect(await (await fetch(`${url}/`)).text()).toContain("<dd>first poll in progress</dd>");
    Object.assign(status, {
      ready: true,
      lastPollAt: Date.UTC(2025, 0, 2),
      lastPollOk: false,
      lastSuccessAt: Date.UTC(2025, 0, 1),
      failures: [{ collector: "customer-usage", reason: "throttled" }],
    });
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, "ready\n"]);
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toContain("<dd>failed</dd>");
    expect(page).toContain("<dt>Finished</dt><dd>2025-01-02T00:00:00.000Z</dd>");
    expect(page).toContain("<dt>Last success</dt><dd>2025-01-01T00:00:00.000Z</dd>");
    expect(page).toContain("<li>customer-usage: throttled</li>");
  });

  it("take the poller's own status: not ready before its first poll, ready after", async () => {
    const status = new PollStatus();
    server = await startWith(status);
    const before = await fetch(`${server.url}/readyz`);
    expect([before.status, await before.text()]).toEqual([
      503,
      "not ready: no successful poll yet\n",
    ]);
    status.record({ correlationId: "c", ok: true, startedAt: 0, finishedAt: 1_000, results: [] });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/`)).text()).toContain("<dd>succeeded</dd>");
  });
});
