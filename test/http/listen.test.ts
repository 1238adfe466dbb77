import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, type Spawned, spawnCli, stopChild, tmpdirEnv } from "../helpers/process.js";

/**
 * exporter-toolkit's listen flags: --web.listen-address may be repeated (one listener each) and
 * --web.systemd-socket serves on the sockets systemd passes (socket activation, fd 3 onward).
 */

let cli: Spawned | undefined;
let activated: ChildProcess | undefined;
const sockets: Server[] = [];
afterEach(async () => {
  for (const child of [cli?.child, activated]) if (child !== undefined) await stopChild(child);
  for (const socket of sockets.splice(0)) socket.close();
  cli = undefined;
  activated = undefined;
});

/** A listening TCP socket on 127.0.0.1, as systemd opens one for a .socket unit. */
async function listeningSocket(): Promise<{ socket: Server; port: number }> {
  const socket = createServer();
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.listen(0, "127.0.0.1", resolve));
  const address = socket.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { socket, port: address.port };
}

/** Node keeps a server's descriptor on its (undocumented) handle; there is no public getter. */
function descriptorOf(socket: Server): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) throw new Error("the listening socket has no descriptor");
  return fd;
}

/**
 * Runs the CLI with the socket as fd 3 and LISTEN_FDS=1, through `sh -c 'exec'` so that
 * LISTEN_PID is the exporter's own pid, as systemd sets it. Resolves with stdout and stderr
 * once the exporter listens, or once it exits.
 */
function spawnActivated(socket: Server, env: Record<string, string>, pid = "$$") {
  activated = spawn(
    "/bin/sh",
    [
      "-c",
      `LISTEN_PID=${pid} exec "$@"`,
      "sh",
      process.execPath,
      CLI,
      "--demo",
      "--web.systemd-socket",
      "--log.format=json",
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        ...tmpdirEnv(),
        LISTEN_FDS: "1",
        ...env,
      },
      // The listening socket\'s own descriptor, duplicated as the child\'s fd 3.
      stdio: ["ignore", "pipe", "pipe", descriptorOf(socket)],
    },
  );
  const child = activated;
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  return new Promise<{ out: string; err: string; code: number | null }>((resolve) => {
    const poll = setInterval(() => {
      if (out.includes("partner-center-exporter listening")) done(null);
    }, 20);
    const done = (code: number | null) => {
      clearInterval(poll);
      resolve({ out, err, code });
    };
    child.once("exit", (code) => setTimeout(() => done(code), 20));
  });
}

/** The URLs the exporter's "listening" line reports: the bound addresses, port 0 resolved. */
async function listeningUrls(running: Spawned): Promise<string[]> {
  const line = await running.waitFor(/partner-center-exporter listening/, 10_000);
  return (JSON.parse(line) as { urls: string[] }).urls;
}

describe("--web.listen-address, repeated", () => {
  it("serves on every address given, and WEB_LISTEN_ADDRESS takes them as a comma list", async () => {
    // Port 0 twice: the exporter binds two ports and reports both as bound.
    cli = spawnCli([
      "--demo",
      "--web.listen-address=127.0.0.1:0",
      "--web.listen-address",
      "127.0.0.1:0",
      "--log.format=json",
    ]);
    const urls = await listeningUrls(cli);
    expect(urls).toEqual([
      expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    ]);
    expect(new Set(urls).size).toBe(2);
    for (const url of urls) expect((await fetch(`${url}/healthz`)).status).toBe(200);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);

    cli = spawnCli(["--demo", "--log.format=json"], {
      WEB_LISTEN_ADDRESS: "127.0.0.1:0, 127.0.0.1:0",
    });
    const listed = await listeningUrls(cli);
    expect(listed).toHaveLength(2);
    for (const url of listed) expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("one address that cannot be listened on stops the start, naming it", async () => {
    const { port: taken } = await listeningSocket();
    cli = spawnCli([
      "--demo",
      "--web.listen-address=127.0.0.1:0",
      `--web.listen-address=127.0.0.1:${taken}`,
    ]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe(
      `configuration error: WEB_LISTEN_ADDRESS (--web.listen-address): cannot listen on 127.0.0.1:${taken} (EADDRINUSE)\n`,
    );
  });
});

describe("--web.systemd-socket (socket activation)", () => {
  it("serves on the socket passed as fd 3 when LISTEN_PID is the exporter's pid", async () => {
    const { socket, port } = await listeningSocket();
    const started = await spawnActivated(socket, {});
    expect(started.err).toBe("");
    socket.close(); // the exporter holds its own copy of the socket
    const answer = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(answer.status).toBe(200);
  });

  it("accepts a passed socket without LISTEN_PID; refuses one meant for another process", async () => {
    const { socket, port } = await listeningSocket();
    expect((await spawnActivated(socket, {}, "")).err).toBe("");
    socket.close();
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    if (activated !== undefined) await stopChild(activated);

    const other = await listeningSocket();
    const refused = await spawnActivated(other.socket, {}, "1");
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(
      /^configuration error: WEB_SYSTEMD_SOCKET \(--web\.systemd-socket\): LISTEN_PID is 1, not this process \(\d+\): the sockets were passed to another process\n$/,
    );
  });

  it("without passed sockets, exits 2 with one line", async () => {
    cli = spawnCli(["--demo", "--web.systemd-socket"]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe(
      "configuration error: WEB_SYSTEMD_SOCKET (--web.systemd-socket): no socket activation file descriptors found (LISTEN_FDS is not set)\n",
    );
  });
});
