import { mkdtemp, readFile, rm } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TOKEN_FILE } from "../../src/auth/refresh-token-store.js";
import { type Spawned, spawnCli } from "../helpers/process.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

/** SIGTERM at awkward moments, against the built CLI (the process an operator runs). */

let running: Spawned | undefined;
let simulator: PartnerCenterSimulator | undefined;
let stateDir: string | undefined;
afterEach(async () => {
  await running?.stop();
  await simulator?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  running = undefined;
  simulator = undefined;
  stateDir = undefined;
});

async function startAgainstSimulator(extraEnv: Record<string, string> = {}) {
  simulator = new PartnerCenterSimulator();
  const url = await simulator.start();
  stateDir = await mkdtemp(join(tmpdir(), "pce-shutdown-"));
  running = spawnCli(["--web.listen-address=127.0.0.1:0", "--log.format=json"], {
    AZURE_TENANT_ID: simulator.tenantId,
    AZURE_CLIENT_ID: simulator.clientId,
    AZURE_CLIENT_SECRET: simulator.clientSecret,
    PARTNER_CENTER_REFRESH_TOKEN: simulator.initialRefreshToken,
    AZURE_AUTHORITY_HOST: url,
    PARTNER_CENTER_URL: url,
    STATE_DIR: stateDir,
    POLL_INTERVAL: "1s",
    LOG_LEVEL: "debug",
    ...extraEnv,
  });
  const line = await running.waitFor(/partner-center-exporter listening/, 10_000);
  await running.waitFor(/"msg":"poll succeeded"/, 10_000);
  return { sim: simulator, cli: running, url: (JSON.parse(line) as { url: string }).url };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the time the process took to exit after SIGTERM, failing past a bound. */
async function terminate(
  cli: Spawned,
  boundMs: number,
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  cli.child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    cli.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no exit within ${boundMs}ms of SIGTERM`)),
        boundMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return { code, ms: Date.now() - started };
}

type ScrapeOutcome = "complete" | "refused" | "truncated";

/** One scrape on a fresh connection: complete, refused before any answer, or cut mid-answer. */
function scrape(url: string): Promise<ScrapeOutcome> {
  return new Promise((resolve) => {
    const req = get(`${url}/metrics`, { agent: false }, (res) => {
      const expected = Number(res.headers["content-length"]);
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
      });
      res.on("end", () =>
        resolve(res.statusCode === 200 && bytes === expected ? "complete" : "truncated"),
      );
      res.on("aborted", () => resolve("truncated"));
      res.on("error", () => resolve("truncated"));
    });
    req.on("error", () => resolve("refused"));
  });
}

describe("SIGTERM", () => {
  it("mid-poll and mid-scrape: in-flight scrapes finish, exit 0 within a few seconds, token file intact", async () => {
    const { sim, cli, url } = await startAgainstSimulator();
    // Every usage answer now takes 3 s: the next scheduled poll will be in flight.
    sim.faults.push({ target: "usage", delayMs: 3_000, times: Infinity });
    const before = sim.usageRequests().length;
    await until("a poll in flight", () => sim.usageRequests().length > before);
    expect(sim.usageRequests().at(-1)?.status).toBe(0);

    // Eight scrapers hammering on fresh connections while the signal lands.
    const outcomes: ScrapeOutcome[] = [];
    let stop = false;
    const scrapers = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const outcome = await scrape(url);
        outcomes.push(outcome);
        if (outcome === "refused") return;
      }
    });
    await until("scrapes under way", () => outcomes.length >= 50);
    const { code, ms } = await terminate(cli, 8_000);
    stop = true;
    await Promise.all(scrapers);

    expect(code).toBe(0);
    expect(outcomes).not.toContain("truncated");
    expect(outcomes.filter((o) => o === "complete").length).toBeGreaterThanOrEqual(50);
    expect(cli.stdout()).toMatch(/"msg":"stopped"/);
    const saved = JSON.parse(await readFile(join(String(stateDir), TOKEN_FILE), "utf8")) as {
      refreshToken: string;
    };
    expect(saved.refreshToken).toBe(sim.currentRefreshToken);
    console.log(`SIGTERM mid-poll: exit 0 after ${ms} ms; ${outcomes.length} scrapes, none cut`);
  });

  it("during a 429 storm with a huge Retry-After: exits 0 at once instead of waiting it out", async () => {
    const { sim, cli } = await startAgainstSimulator({ MAX_RETRY_AFTER: "2m" });
    sim.faults.push({ target: "usage", status: 429, retryAfter: "3600", times: Infinity });
    await cli.waitFor(
      /"msg":"retrying Partner Center request".*"delay":"2m"|"delay":"2m".*retrying/,
      10_000,
    );
    const { code, ms } = await terminate(cli, 5_000);
    expect(code).toBe(0);
    console.log(`SIGTERM during a 120 s Retry-After wait: exit 0 after ${ms} ms`);
  });
});
