import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/settings.js";
import { BUILD_INFO, VERSION } from "../../src/version.js";
import { CLI, type Spawned, spawnCli } from "../helpers/process.js";

const run = promisify(execFile);
let running: Spawned | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function listeningUrl(line: string): string {
  return (JSON.parse(line) as { url: string }).url;
}

describe("partner-center-exporter (the built CLI)", () => {
  it("exits 2 on bad configuration with one line per problem, no stack trace and no secret", async () => {
    running = spawnCli([], {
      AZURE_CLIENT_SECRET: "very-secret-client-secret",
      PARTNER_CENTER_REFRESH_TOKEN: "0.very-secret-refresh-token",
      POLL_INTERVAL: "often",
      LOG_LEVEL: "loud",
    });
    const started = Date.now();
    expect(await running.exited).toBe(2);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(running.stderr().trimEnd().split("\n")).toEqual([
      "configuration error: AZURE_TENANT_ID (--azure.tenant-id): required (set AZURE_TENANT_ID, or use --demo to try the exporter without credentials)",
      "configuration error: AZURE_CLIENT_ID (--azure.client-id): required (set AZURE_CLIENT_ID, or use --demo to try the exporter without credentials)",
      'configuration error: POLL_INTERVAL (--poll.interval): "often" is not a duration (examples: 500ms, 30s, 15m, 1h)',
      'configuration error: LOG_LEVEL (--log.level): "loud" is not one of debug, info, warn, error',
    ]);
    expect(running.stdout()).toBe("");
  });

  it("--help lists every setting", async () => {
    const { stdout } = await run(process.execPath, [CLI, "--help"]);
    for (const spec of SETTINGS) expect(stdout).toContain(`--${spec.flag}`);
    expect(stdout).toContain(
      "partner-center-exporter simulator [flags]     (see simulator --help)",
    );
  });

  it("--version prints the version, and the revision and date recorded by the build", async () => {
    const { stdout } = await run(process.execPath, [CLI, "--version"]);
    const built = new URL("../../dist/src/build-info.json", import.meta.url);
    const { revision, date } = JSON.parse(readFileSync(built, "utf8")) as Record<string, string>;
    // npm test builds in a git checkout: the revision is the commit's, the date an ISO 8601 time.
    expect(revision).toMatch(/^[0-9a-f]{40}$/);
    expect(new Date(date ?? "").toISOString().replace(/\.000Z$/, "Z")).toBe(date);
    expect(stdout).toBe(
      `partner-center-exporter, version ${VERSION} (revision: ${revision}, date: ${date})\n` +
        `  node version: ${process.version}, platform: ${process.platform}/${process.arch}\n`,
    );
  });

  it("reads unknown, and asks no git, where the build recorded nothing (run from src/)", () => {
    expect(BUILD_INFO).toEqual({ revision: "unknown", date: "unknown" });
  });

  it("--demo serves the gauge with no credentials, and exits 0 on SIGTERM", async () => {
    running = spawnCli(["--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json"]);
    const url = listeningUrl(await running.waitFor(/partner-center-exporter listening/, 10_000));
    await running.waitFor(/"msg":"poll succeeded"/, 10_000);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(
      /^partner_license_usage_percent\{workload="Teams",service="o365",channel="reseller"\} \d/m,
    );
    expect(text).toMatch(/^partner_center_up 1$/m);
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    expect(running.stdout()).toMatch(/"msg":"stopped"/);
  });

  it.each(["SIGTERM", "SIGINT"] as const)(
    "--demo leaves nothing in the temporary directory when stopped by %s",
    async (signal) => {
      const tmp = await mkdtemp(join(tmpdir(), "pce-demo-tmp-"));
      try {
        running = spawnCli(["--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json"], {
          TMPDIR: tmp,
        });
        const { stateDir } = JSON.parse(
          await running.waitFor(/partner-center-exporter listening/, 10_000),
        ) as { stateDir: string };
        await running.waitFor(/"msg":"poll succeeded"/, 10_000);
        // It did write there: the rotated refresh token.
        expect(stateDir.startsWith(join(tmp, "partner-center-exporter-demo-"))).toBe(true);
        expect(await readdir(stateDir)).toContain("refresh-token.json");
        running.child.kill(signal);
        expect(await running.exited).toBe(0);
        expect(await readdir(tmp)).toEqual([]);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  );

  it("refuses a port that is taken with one line naming the setting", async () => {
    running = spawnCli(["--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json"]);
    const url = listeningUrl(await running.waitFor(/partner-center-exporter listening/, 10_000));
    const port = new URL(url).port;
    const second = spawnCli([
      "--demo",
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.format=json",
    ]);
    expect(await second.exited).toBe(2);
    expect(second.stderr()).toBe(
      `configuration error: WEB_LISTEN_ADDRESS (--web.listen-address): cannot listen on 127.0.0.1:${port} (EADDRINUSE)\n`,
    );
  });
});
