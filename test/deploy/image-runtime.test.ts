// Proves that what the image copies and installs runs the way the image runs it: production
// dependencies only, code read-only, an unprivileged user, state only under STATE_DIR. No Docker
// engine is needed: the final stage's COPY and `npm ci` are replayed in a temporary directory.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, cp, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  copyPaths,
  execForm,
  keyValues,
  parseDockerfile,
  type Stage,
} from "./support/dockerfile.js";
import { PACKAGE, ROOT, readText } from "./support/repo.js";

const run = promisify(execFile);
const NOBODY = 65534;

const dockerfile = parseDockerfile(readText("Dockerfile"));
const final = dockerfile.stages.at(-1) as Stage;
const workdirOf = (stage: Stage): string =>
  stage.instructions.filter((i) => i.keyword === "WORKDIR").at(-1)?.args ?? "/";
const WORKDIR = workdirOf(final);

/** The final stage's ENV, as the container starts with it. */
const IMAGE_ENV: Record<string, string> = Object.fromEntries(
  final.instructions.filter((i) => i.keyword === "ENV").flatMap((i) => [...keyValues(i.args)]),
);

const ENTRYPOINT = execForm(
  final.instructions.find((i) => i.keyword === "ENTRYPOINT")?.args ?? "[]",
) as string[];

const HEALTHCHECK = execForm(
  /^CMD\s+(.*)$/s.exec(
    final.instructions.find((i) => i.keyword === "HEALTHCHECK")?.args ?? "",
  )?.[1] ?? "[]",
) as string[];

let appDir: string;
const temps: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Replays the final stage's COPY instructions into appDir (the image's WORKDIR). */
async function copyAsTheImageDoes(): Promise<void> {
  for (const copy of final.instructions.filter((i) => i.keyword === "COPY")) {
    const { sources, dest } = copyPaths(copy);
    const target = dest.startsWith("/") ? dest : join(appDir, dest);
    const from =
      copy.flags.from === undefined
        ? undefined
        : dockerfile.stages.find((s) => s.name === copy.flags.from);
    for (const source of sources) {
      let relative = source;
      if (from !== undefined) {
        // The build stage's WORKDIR holds the checkout's files and the dist/ it built.
        const prefix = `${workdirOf(from)}/`;
        expect(source.startsWith(prefix), source).toBe(true);
        relative = source.slice(prefix.length);
      }
      const path = `${ROOT}${relative}`;
      if ((await stat(path)).isDirectory()) {
        await cp(path, target, { recursive: true });
      } else {
        const toDir = dest.endsWith("/") || sources.length > 1;
        await mkdir(toDir ? target : join(target, ".."), { recursive: true });
        await cp(path, toDir ? join(target, source.split("/").at(-1) ?? "") : target);
      }
    }
  }
}

/** Runs the final stage's `npm ci ...` in appDir. */
async function installAsTheImageDoes(): Promise<void> {
  const commands = final.instructions
    .filter((i) => i.keyword === "RUN")
    .flatMap((i) => i.args.split(/\s*&&\s*/))
    .filter((c) => c.startsWith("npm ci"));
  expect(commands).toHaveLength(1);
  const args = (commands[0] ?? "").split(/\s+/).slice(1);
  await run("npm", args, {
    cwd: appDir,
    env: { ...process.env, ...IMAGE_ENV },
    maxBuffer: 16 * 1024 * 1024,
  });
}

interface Exporter {
  readonly child: ChildProcess;
  /** host:port, as the exporter reports it once it listens (it binds port 0 itself). */
  readonly address: string;
  readonly stateDir: string;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts the entrypoint from appDir as uid/gid 65534 in demo mode. readOnlyRoot: in a private
 * mount namespace whose whole root filesystem is read-only except STATE_DIR, as with
 * `docker run --read-only` or Kubernetes' readOnlyRootFilesystem.
 */
async function startExporter(readOnlyRoot: boolean): Promise<Exporter> {
  const stateDir = await tempDir("pce-state-");
  await chown(stateDir, NOBODY, NOBODY);
  await chmod(stateDir, 0o700);
  const [command = "node", ...entryArgs] = ENTRYPOINT.map((a) =>
    a.replaceAll(`${WORKDIR}/`, `${appDir}/`),
  );
  const argv = [command, ...entryArgs, "--demo", "--web.listen-address=127.0.0.1:0"];
  const env = {
    ...IMAGE_ENV,
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: "/nonexistent",
    STATE_DIR: stateDir,
    LOG_FORMAT: "json",
  };
  const child = readOnlyRoot
    ? spawn(
        "unshare",
        [
          "--mount",
          "--propagation",
          "private",
          "--",
          "sh",
          "-euc",
          'mount --bind "$STATE_DIR" "$STATE_DIR"; mount -o remount,bind,ro /; exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs -- "$@"',
          "sh",
          ...argv,
        ],
        { cwd: appDir, env, stdio: ["ignore", "pipe", "pipe"] },
      )
    : spawn(argv[0] ?? "node", argv.slice(1), {
        cwd: appDir,
        env,
        uid: NOBODY,
        gid: NOBODY,
        stdio: ["ignore", "pipe", "pipe"],
      });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const address = await listeningAddress(child, () => output).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    child,
    address,
    stateDir,
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The host:port of the exporter's "listening" log line; rejects if it exits or stays silent. */
async function listeningAddress(child: ChildProcess, output: () => string): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    for (const line of output().split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === "partner-center-exporter listening") return new URL(String(entry.url)).host;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the exporter did not report listening; its output:\n${output()}`);
}

async function waitForMetrics(exporter: Exporter): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = "";
  while (Date.now() < deadline) {
    if (exporter.child.exitCode !== null) break;
    try {
      const response = await fetch(`http://${exporter.address}/metrics`);
      last = await response.text();
      if (response.ok && last.includes("partner_license_usage_percent{")) return last;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no usage metrics; exporter output:\n${exporter.output()}\nlast body:\n${last}`);
}

/** Runs the image's HEALTHCHECK command as Docker would, inside the container's environment. */
async function healthcheck(address: string): Promise<number> {
  const [command = "node", ...args] = HEALTHCHECK;
  try {
    await run(command, args, {
      env: { PATH: process.env.PATH ?? "", WEB_LISTEN_ADDRESS: address },
      timeout: 10_000,
    });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

/** Error-level (50+) JSON log lines. */
function errorLines(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .filter((line) => ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50);
}

beforeAll(async () => {
  if (!existsSync(`${ROOT}dist/src/cli.js`)) await run("npm", ["run", "build"], { cwd: ROOT });
  appDir = await tempDir("pce-image-app-");
  await copyAsTheImageDoes();
  await installAsTheImageDoes();
  // Root-owned and read-only, as in the image (where the runtime user owns none of it).
  await run("chmod", ["-R", "a+rX,a-w", appDir]);
}, 180_000);

afterAll(async () => {
  for (const dir of temps) {
    await run("chmod", ["-R", "u+w", dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

describe("the image's production install", () => {
  it("holds production dependencies only, and the built exporter", async () => {
    const installed = await readdir(join(appDir, "node_modules"));
    for (const dependency of Object.keys(PACKAGE.dependencies)) {
      const [scope = dependency] = dependency.split("/");
      expect(installed, dependency).toContain(scope);
    }
    for (const tool of ["typescript", "vitest", "@biomejs"]) expect(installed).not.toContain(tool);
    expect(existsSync(join(appDir, "dist/src/cli.js"))).toBe(true);
    expect(existsSync(join(appDir, "src"))).toBe(false);
  });

  it("serves metrics as an unprivileged user from a read-only directory", async () => {
    const probe = spawn(
      process.execPath,
      ["-e", `require("fs").writeFileSync(${JSON.stringify(join(appDir, "x"))}, "")`],
      {
        uid: NOBODY,
        gid: NOBODY,
        stdio: "ignore",
      },
    );
    const probeCode = await new Promise<number | null>((resolve) => probe.on("exit", resolve));
    expect(probeCode, "the app directory is writable for uid 65534").not.toBe(0);

    const exporter = await startExporter(false);
    let exitCode: number | null;
    try {
      const metrics = await waitForMetrics(exporter);
      expect(metrics).toMatch(/^partner_license_usage_percent\{.*workload=/m);
      const health = await fetch(`http://${exporter.address}/healthz`);
      expect(health.status).toBe(200);
      expect((await fetch(`http://${exporter.address}/readyz`)).status).toBe(200);
      expect(await healthcheck(exporter.address)).toBe(0);
    } finally {
      exitCode = await exporter.stop();
    }
    expect(exitCode, exporter.output()).toBe(0);
    expect(errorLines(exporter.output())).toEqual([]);
    expect(await healthcheck(exporter.address)).not.toBe(0);
  }, 60_000);

  it("writes nothing outside STATE_DIR when the whole root filesystem is read-only", async () => {
    const exporter = await startExporter(true);
    let exitCode: number | null;
    try {
      await waitForMetrics(exporter);
      expect(await healthcheck(exporter.address)).toBe(0);
    } finally {
      exitCode = await exporter.stop();
    }
    expect(exitCode, exporter.output()).toBe(0);
    expect(errorLines(exporter.output())).toEqual([]);
    expect(exporter.output()).not.toMatch(/EROFS|EACCES/);
    // The demo's authority rotates the refresh token: persisted, owned by the runtime user.
    const files = await readdir(exporter.stateDir);
    expect(files).toContain("refresh-token.json");
    const token = await stat(join(exporter.stateDir, "refresh-token.json"));
    expect(token.uid).toBe(NOBODY);
    expect(token.mode & 0o777).toBe(0o600);
  }, 60_000);
});
