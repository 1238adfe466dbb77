import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));

export interface Spawned {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves with the first stdout line matching, or rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** stopChild: SIGTERM, then SIGKILL if it lingers; resolves once it exited. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;

/**
 * Stops a child as an operator does (SIGTERM), so it removes what it made (--demo's STATE_DIR);
 * SIGKILL only if it has not exited after STOP_GRACE_MS. Resolves once it exited.
 */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Runs the built CLI (as `node <bin>`, the way the spec says it runs) with a clean environment. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  return spawnCommand(process.execPath, [CLI, ...args], env);
}

/** The tests' TMPDIR, if they were given one: what the child leaves there is theirs to see. */
export function tmpdirEnv(): Record<string, string> {
  return process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR };
}

/** Runs a command with a clean environment (PATH, HOME and `env`), collecting its output. */
export function spawnCommand(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Spawned {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...tmpdirEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    stop: () => stopChild(child),
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err}`));
        }, timeoutMs);
        const poll = setInterval(() => {
          const line = out.split("\n").find((l) => pattern.test(l));
          if (line !== undefined) {
            clearTimeout(timer);
            clearInterval(poll);
            resolve(line);
          }
        }, 10);
      });
    },
  };
}
