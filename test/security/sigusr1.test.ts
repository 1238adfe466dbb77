import { afterEach, describe, expect, it } from "vitest";
import { type Spawned, spawnCli } from "../helpers/process.js";

/**
 * issue 19: SIGUSR1 opens Node's inspector on 127.0.0.1:9229, from which process.env (the client
 * secret) can be read. The built CLI ignores it. Node prints "Debugger listening on ..." when the
 * inspector opens, or "Starting inspector ... failed" when 9229 is taken: either is a failure.
 */

let running: Spawned | undefined;
afterEach(async () => {
  // SIGTERM, so that --demo removes its STATE_DIR.
  await running?.stop();
  running = undefined;
});

describe("SIGUSR1", () => {
  it("opens no inspector in the running exporter, which keeps serving", async () => {
    running = spawnCli(["--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json"]);
    const line = await running.waitFor(/partner-center-exporter listening/, 10_000);
    const { url } = JSON.parse(line) as { url: string };
    running.child.kill("SIGUSR1");
    // The inspector would have said so by the time a scrape comes back, several times over.
    for (let i = 0; i < 5; i++) expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(running.stderr()).not.toMatch(/inspector|debugger/i);
    expect(running.child.exitCode).toBeNull();
  });
});
