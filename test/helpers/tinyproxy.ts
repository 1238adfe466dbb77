import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A real forward proxy (Debian's tinyproxy) on 127.0.0.1, with basic proxy auth. */
export interface Tinyproxy {
  /** `http://user:password@127.0.0.1:port`. */
  readonly url: string;
  readonly port: number;
  /** What it logged so far (one line per connection and request, at LogLevel Connect). */
  log(): string;
  stop(): Promise<void>;
}

const INSTALL = "apt-get install -y tinyproxy";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts tinyproxy in the foreground; fails (never skips) when it is not installed. */
export async function startTinyproxy(user: string, password: string): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), "pce-tinyproxy-"));
  const port = await freePort();
  const config = join(dir, "tinyproxy.conf");
  // No ConnectPort line: CONNECT is allowed to every port (the simulators listen on random ones).
  await writeFile(
    config,
    [
      `Port ${port}`,
      "Listen 127.0.0.1",
      "Timeout 30",
      "MaxClients 50",
      "LogLevel Connect",
      "Allow 127.0.0.1",
      `BasicAuth ${user} ${password}`,
      "",
    ].join("\n"),
  );
  let out = "";
  const child: ChildProcess = spawn("tinyproxy", ["-d", "-c", config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(`tinyproxy is not installed: ${INSTALL}`) : error),
    );
  });
  await spawned;
  for (let i = 0; i < 100 && !(await accepting(port)); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!(await accepting(port))) throw new Error(`tinyproxy did not start on ${port}: ${out}`);
  return {
    url: `http://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    log: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
