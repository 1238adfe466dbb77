import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The suite's own temporary directory: every test and every CLI it spawns (`tmpdirEnv()`) makes
 * its folders there, and the run fails if any is left when it ends. A test that SIGKILLs a
 * `--demo` or forgets a folder shows up here, not as litter in /tmp.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "pce-tests-"));
  // 1777 like /tmp: the image test runs a child as nobody.
  await chmod(dir, 0o1777);
  process.env.TMPDIR = dir;
  return async () => {
    // node-compile-cache: the compile cache npm and tsc turn on for themselves in os.tmpdir()
    // (Node.js 22+), made when a test runs one of them; a cache by design, not a leftover.
    const left = (await readdir(dir)).filter((name) => name !== "node-compile-cache");
    await rm(dir, { recursive: true, force: true });
    if (left.length > 0) {
      // vitest reports an error thrown here but still exits 0: set the status as well.
      process.exitCode = 1;
      throw new Error(
        `tests left ${left.length} entries in the temporary directory: ${left.join(", ")}`,
      );
    }
  };
}
