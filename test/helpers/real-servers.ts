import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

/** The address the exporter-toolkit logs once it listens: the bound one, port 0 resolved. */
const LISTENING = /msg="Listening on" address=(127\.0\.0\.1:\d+)/;

/**
 * Starts a binary from Debian's packages on 127.0.0.1:0 (`--web.listen-address` is added; it
 * logs the port it bound at info level); a missing binary is an error, never a skip.
 */
async function startBinary(
  binary: string,
  notInstalled: string,
  args: (dir: string) => string[],
  files: Record<string, string>,
  readyPath: string,
): Promise<RealServer> {
  const dir = await mkdtemp(join(tmpdir(), `pce-${binary}-`));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const argv = [...args(dir), "--web.listen-address=127.0.0.1:0", "--log.level=info"];
  const child = spawn(binary, argv, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
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
          `${binary} could not be started (${(error as NodeJS.ErrnoException).code}): ${notInstalled}`,
        ),
      ),
    ),
  );
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
  let url: string;
  try {
    url = await Promise.race([
      spawnError,
      waitUntil(
        `${binary} listening and ready (${readyPath})`,
        async () => {
          if (child.exitCode !== null) throw new Error(`${binary} exited: ${output.slice(-2000)}`);
          const address = LISTENING.exec(output)?.[1];
          if (address === undefined) return undefined;
          const res = await fetch(`http://${address}${readyPath}`);
          return res.ok ? `http://${address}` : undefined;
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
    "prometheus is not installed: apt-get install -y prometheus",
    (dir) => [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      "--rules.alert.resend-delay=1s",
    ],
    { "prometheus.yml": config, ...ruleFiles },
    "/-/ready",
  );
}

/** A real Alertmanager on 127.0.0.1, clustering off. */
export function startAlertmanager(config: string): Promise<RealServer> {
  return startBinary(
    "prometheus-alertmanager",
    "prometheus-alertmanager is not installed: apt-get install -y prometheus-alertmanager",
    (dir) => [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      "--cluster.listen-address=",
    ],
    { "alertmanager.yml": config },
    "/-/ready",
  );
}
