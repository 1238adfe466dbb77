import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// A user's own npm, not the settings of the `npm test` or `test:runtimes` around this run: its
// default cache, which the README's `npm ci` filled, so the installs never ask the registry.
const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith("npm_"));
const NPM = {
  ...Object.fromEntries(inherited),
  npm_config_audit: "false",
  npm_config_fund: "false",
};

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "pce-install-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * `npm pack` as docs/install.md runs it, in a copy of the package (this checkout's node_modules is
 * the developer's, and the build is `npm test`'s): production dependencies from the lockfile,
 * dist/ with the revision and date recorded, then the tarball with its dependencies bundled.
 */
async function pack(): Promise<string> {
  const stage = join(work, "stage");
  await mkdir(stage);
  for (const file of ["package.json", "package-lock.json", "README.md", "CHANGELOG.md", "LICENSE"])
    await cp(join(ROOT, file), join(stage, file));
  await cp(join(ROOT, "dist"), join(stage, "dist"), { recursive: true });
  await cp(join(ROOT, "scripts"), join(stage, "scripts"), { recursive: true });
  const npm = { cwd: stage, env: NPM };
  await run("npm", ["ci", "--omit=dev", "--omit=optional", "--offline", "--ignore-scripts"], npm);
  const recorded = { BUILD_REVISION: "0123456789abcdef", BUILD_DATE: "2026-01-02T03:04:05Z" };
  await run(process.execPath, ["scripts/build-info.mjs"], { ...npm, env: { ...NPM, ...recorded } });
  const { stdout } = await run(
    "npm",
    ["pack", "--ignore-scripts", "--pack-destination", work],
    npm,
  );
  return join(work, stdout.trim().split("\n").at(-1) ?? "");
}

describe("the documented install (npm pack, then npm install --global of the tarball)", () => {
  it("puts partner-center-exporter on PATH, offline, and --version names the build", async () => {
    const tarball = await pack();
    const prefix = join(work, "prefix");
    const install = ["install", "--global", "--prefix", prefix, "--offline", tarball];
    await run("npm", install, { cwd: work, env: NPM });

    // From outside the checkout, by name on PATH, as the docs spell it.
    const PATH = `${join(prefix, "bin")}:${process.env.PATH ?? ""}`;
    const env = { PATH, HOME: work };
    const { stdout } = await run("partner-center-exporter", ["--version"], { cwd: work, env });
    expect(stdout.split("\n")[0]).toBe(
      `partner-center-exporter, version ${VERSION} (revision: 0123456789abcdef, date: 2026-01-02T03:04:05Z)`,
    );
    const help = await run("partner-center-exporter", ["simulator", "--help"], { cwd: work, env });
    expect(help.stdout).toMatch(/^Usage: partner-center-exporter simulator/);
  }, 180_000);
});
