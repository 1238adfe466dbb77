import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { shellValue } from "../../simulator/simulator-command.js";
import { FAST_ENV, sampleValue } from "../helpers/harness.js";
import { CLI, type Spawned, spawnCli, spawnCommand } from "../helpers/process.js";
import { approveDeviceCode, signInInChromium } from "../helpers/sign-in.js";
import { stderrLine } from "../helpers/sign-in-refusals.js";

const run = promisify(execFile);
const SETTINGS = [
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_AUTHORITY_HOST",
  "PARTNER_CENTER_URL",
  "PARTNER_CENTER_REFRESH_TOKEN",
  "STATE_DIR",
];

const children: Spawned[] = [];
afterEach(async () => {
  // The simulator (started first) stops last: its STATE_DIR is the others'.
  for (const child of children.splice(0).reverse()) await child.stop();
});

interface Simulator {
  readonly child: Spawned;
  /** Its stdout, as printed: the settings, one NAME=value a line. */
  readonly printed: string;
  readonly settings: ReadonlyMap<string, string>;
}

/** `partner-center-exporter simulator` on a port of its choosing, once it printed its settings. */
async function startSimulator(): Promise<Simulator> {
  const child = spawnCli(["simulator", "--web.listen-address=127.0.0.1:0"]);
  children.push(child);
  await child.waitFor(/^STATE_DIR=/, 10_000);
  const printed = child.stdout();
  // What a shell makes of it, not what this test would parse.
  const script = `set -a; eval "$PRINTED"; set +a; for n in ${SETTINGS.join(" ")}; do printf '%s=%s\\0' "$n" "$(printenv "$n")"; done`;
  const { stdout } = await run("sh", ["-c", script], { env: { PRINTED: printed } });
  const settings = new Map(
    stdout
      .split("\0")
      .filter((pair) => pair !== "")
      .map(
        (pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as const,
      ),
  );
  return { child, printed, settings };
}

/** The CLI with the simulator's printed settings eval'd into its environment by a real shell. */
function withSettings(simulator: Simulator, args: string[], env: Record<string, string> = {}) {
  const script = 'set -a; eval "$PRINTED"; set +a; exec "$NODE" "$CLI" "$@"';
  const environment = { ...env, PRINTED: simulator.printed, NODE: process.execPath, CLI };
  const child = spawnCommand("sh", ["-c", script, "sh", ...args], environment);
  children.push(child);
  return child;
}

/** The refresh token works: the simulator's token endpoint grants an access token for it. */
async function grantsAccess(simulator: Simulator, refreshToken: string): Promise<boolean> {
  const get = (name: string): string => simulator.settings.get(name) ?? "";
  const tenant = get("AZURE_TENANT_ID");
  const answer = await fetch(`${get("AZURE_AUTHORITY_HOST")}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: get("AZURE_CLIENT_ID"),
      client_secret: get("AZURE_CLIENT_SECRET"),
      refresh_token: refreshToken,
      scope: "https://api.partnercenter.microsoft.com/user_impersonation offline_access",
    }),
  });
  const body = (await answer.json()) as { access_token?: string };
  return answer.status === 200 && typeof body.access_token === "string";
}

describe("partner-center-exporter simulator (the rehearsal of the real path)", () => {
  it("prints only its settings on stdout, with the port it got; the log goes to stderr", async () => {
    const simulator = await startSimulator();
    expect(
      simulator.printed
        .trimEnd()
        .split("\n")
        .map((l) => l.split("=")[0]),
    ).toEqual(SETTINGS);
    const url = simulator.settings.get("PARTNER_CENTER_URL") ?? "";
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(url).port).not.toBe("0");
    expect(simulator.settings.get("AZURE_AUTHORITY_HOST")).toBe(url);
    expect(await stderrLine(simulator.child, /simulator listening/)).toContain(url);
    expect(simulator.child.stderr()).not.toContain(simulator.settings.get("AZURE_CLIENT_SECRET"));
  });

  it("the exporter, in its normal mode with those settings, polls it: up 1 and the usage gauge", async () => {
    const simulator = await startSimulator();
    const exporter = withSettings(simulator, ["--log.format=json"], FAST_ENV);
    const listening = await exporter.waitFor(/partner-center-exporter listening/, 10_000);
    await exporter.waitFor(/"msg":"poll succeeded"/, 10_000);
    const { url, partnerCenter } = JSON.parse(listening) as { url: string; partnerCenter: string };
    expect(partnerCenter).toBe(simulator.settings.get("PARTNER_CENTER_URL"));
    expect(exporter.stdout()).not.toMatch(/demo mode/);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(sampleValue(text, "partner_center_up")).toBe(1);
    expect(text).toMatch(/^partner_license_usage_percent\{workload="Teams",[^}]*\} \d/m);
  });

  it("login --flow device completes against it, and the printed token works", async () => {
    const simulator = await startSimulator();
    const login = withSettings(simulator, ["login", "--flow=device", "--print"]);
    expect(
      await approveDeviceCode(login, simulator.settings.get("AZURE_AUTHORITY_HOST") ?? ""),
    ).toContain("You have signed in");
    expect(await login.exited).toBe(0);
    const token = login.stdout().trim();
    expect(token).not.toBe(simulator.settings.get("PARTNER_CENTER_REFRESH_TOKEN"));
    expect(await grantsAccess(simulator, token)).toBe(true);
    expect(await grantsAccess(simulator, "0.sim.never-issued")).toBe(false);
  }, 30_000);

  it("login --flow browser completes against it in real Chromium, and the printed token works", async () => {
    const simulator = await startSimulator();
    const login = withSettings(simulator, ["login", "--flow=browser", "--port=0", "--print"]);
    const authorize = new URL((await stderrLine(login, /\/oauth2\/v2\.0\/authorize\?/)).trim());
    expect(authorize.origin).toBe(simulator.settings.get("AZURE_AUTHORITY_HOST"));
    await signInInChromium(authorize);
    expect(await login.exited).toBe(0);
    expect(login.stderr()).toMatch(/Signed in\. MFA: yes\./);
    expect(await grantsAccess(simulator, login.stdout().trim())).toBe(true);
  }, 30_000);

  it("removes its STATE_DIR when stopped, and exits 0", async () => {
    const simulator = await startSimulator();
    const stateDir = simulator.settings.get("STATE_DIR") ?? "";
    expect((await stat(stateDir)).isDirectory()).toBe(true);
    simulator.child.child.kill("SIGINT");
    expect(await simulator.child.exited).toBe(0);
    await expect(stat(stateDir)).rejects.toThrow(/ENOENT/);
  });

  it("refuses a bad or busy address with one configuration line, exit 2", async () => {
    const bad = spawnCli(["simulator", "--web.listen-address=nowhere"]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toBe(
      'configuration error: --web.listen-address: "nowhere" is not host:port (examples: :9841, 127.0.0.1:9841)\n',
    );
    const first = await startSimulator();
    const port = new URL(first.settings.get("PARTNER_CENTER_URL") ?? "").port;
    const busy = spawnCli(["simulator", `--web.listen-address=127.0.0.1:${port}`]);
    expect(await busy.exited).toBe(2);
    expect(busy.stderr()).toBe(
      `configuration error: --web.listen-address: cannot listen on 127.0.0.1:${port} (EADDRINUSE)\n`,
    );
    expect(busy.stdout()).toBe("");
  });

  it("--help says what it prints and how to use it", async () => {
    const { stdout } = await run(process.execPath, [CLI, "simulator", "--help"]);
    expect(stdout).toMatch(/^Usage: partner-center-exporter simulator \[flags\]/);
    for (const name of SETTINGS) expect(stdout).toContain(name);
    expect(stdout).toContain("--web.listen-address VALUE");
    expect(stdout).toContain("[default 127.0.0.1:9842]");
  });

  it.each([
    ["plain-value_1.2:3/4@x+y=z,w", "plain-value_1.2:3/4@x+y=z,w"],
    ["sim~secret", "'sim~secret'"],
    ["it's $HOME `echo no`; exit 3", "'it'\\''s $HOME `echo no`; exit 3'"],
    ["", "''"],
  ])("quotes %j as %s, which a shell reads back as it was", async (value, quoted) => {
    expect(shellValue(value)).toBe(quoted);
    const script = 'eval "V=$QUOTED"; printf %s "$V"';
    const { stdout } = await run("sh", ["-c", script], { env: { QUOTED: shellValue(value) } });
    expect(stdout).toBe(value);
  });
});
