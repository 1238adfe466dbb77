import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A real forward proxy (Debian's tinyproxy) on 127.0.0.1, with basic proxy auth. */
export interface Tinyproxy {
  /** `http://user:password@127.0.0.1:port`. */
  readonly url: string;
  readonly port: number;
  /** What it logged so far (one line per connection and request, and more, at LogLevel Info). */
  log(): string;
  stop(): Promise<void>;
}

/** Logged once it listens; at LogLevel Info, where tinyproxy says so. */
const READY = "Starting main loop. Accepting connections.";
/** Logged, before exiting, when its port is taken. */
const PORT_TAKEN = "Could not create listening sockets";
const ATTEMPTS = 20;

/**
 * Ports no port-0 bind and no outgoing connection is ever given: the 10,000 below the kernel's
 * ephemeral range. tinyproxy refuses `Port 0`, so it cannot bind port 0 and report what it got;
 * it gets a port here instead, where only another program that chose one could hold it.
 */
async function belowEphemeralRange(): Promise<{ low: number; high: number }> {
  const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8");
  const high = Number(range.trim().split(/\s+/)[0]);
  return { low: Math.max(1024, high - 10_000), high };
}

/**
 * Starts tinyproxy in the foreground; fails (never skips) when it is not installed. A port another
 * program already holds makes tinyproxy exit saying so; it is then started on another.
 */
export async function startTinyproxy(user: string, password: string): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), "pce-tinyproxy-"));
  const { low, high } = await belowEphemeralRange();
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const port = low + Math.floor(Math.random() * (high - low));
      const proxy = await launch(dir, port, user, password);
      if (proxy !== undefined) return proxy;
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`tinyproxy found no free port in ${low}-${high - 1} in ${ATTEMPTS} tries`);
}

/** tinyproxy on `port`, once it accepts connections; undefined if the port was taken. */
async function launch(
  dir: string,
  port: number,
  user: string,
  password: string,
): Promise<Tinyproxy | undefined> {
  const config = join(dir, "tinyproxy.conf");
  // No ConnectPort line: CONNECT is allowed to every port (the simulators listen on random ones).
  await writeFile(
    config,
    [
      `Port ${port}`,
      "Listen 127.0.0.1",
      "Timeout 30",
      "MaxClients 50",
      "LogLevel Info",
      "Allow 127.0.0.1",
      `BasicAuth ${user} ${password}`,
      "",
    ].join("\n"),
  );
  let out = "";
  const child: ChildProcess = spawn("tinyproxy", ["-d", "-c", config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const started = new Promise<boolean>((resolve, reject) => {
    const collect = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes(READY)) resolve(true);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new Error("tinyproxy is not installed: apt-get install -y tinyproxy")
          : error,
      ),
    );
    child.once("close", (code) => {
      if (out.includes(PORT_TAKEN)) resolve(false);
      else reject(new Error(`tinyproxy exited (${String(code)}) on port ${port}: ${out}`));
    });
  });
  if (!(await started)) return undefined;
  return {
    url: `http://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    log: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
