import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (the OS picks it; the tiny race is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value, or fails after timeoutMs with the last error. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface RealServer {
  readonly url: string;
  readonly dir: string;
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a binary from Debian's packages; a missing binary is an error, never a skip. */
async function startBinary(
  binary: string,
  args: (dir: string, port: number) => string[],
  files: Record<string, string>,
  readyPath: string,
): Promise<RealServer> {
  const dir = await mkdtemp(join(tmpdir(), `pce-${binary}-`));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const port = await freePort();
  const child = spawn(binary, args(dir, port), { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once("error", (error) =>
      reject(
        new Error(
          `${binary} could not be started (${(error as NodeJS.ErrnoException).code}): install Debian's prometheus and prometheus-alertmanager packages`,
        ),
      ),
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      spawnError,
      waitUntil(
        `${binary} on ${url}${readyPath}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`${binary} exited: ${output.slice(-2000)}`);
          const res = await fetch(`${url}${readyPath}`);
          return res.ok ? true : undefined;
        },
        20_000,
        100,
      ),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, dir, process: child, output: () => output, stop };
}

/** A real Prometheus on 127.0.0.1 with the given configuration and rule files. */
export function startPrometheus(
  config: string,
  ruleFiles: Record<string, string> = {},
): Promise<RealServer> {
  return startBinary(
    "prometheus",
    (dir, port) => [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--rules.alert.resend-delay=1s",
      "--log.level=warn",
    ],
    { "prometheus.yml": config, ...ruleFiles },
    "/-/ready",
  );
}

/** A real Alertmanager on 127.0.0.1, clustering off. */
export function startAlertmanager(config: string): Promise<RealServer> {
  return startBinary(
    "prometheus-alertmanager",
    (dir, port) => [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { "alertmanager.yml": config },
    "/-/ready",
  );
}
