// Every Debian package the suite asks for is one the README's test command installs, and the
// command installs nothing the suite does not ask for. A program the tests, the benchmarks or the
// scripts need from Debian says so when it is missing, always in the same words,
// "<program> is not installed: apt-get install -y <package>", which is what this test collects.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SEARCHED = ["test", "bench", "scripts", "src"];
const SOURCE = /\.(ts|mts|js|mjs|py|sh)$/;
/** These read the README's command (or .ci/run's copy of it) itself; they ask for no package. */
const READERS = [
  "test/ci/debian-packages.test.ts",
  "test/ci/run.test.ts",
  "test/docs/readme.test.ts",
];
const HINT = /not installed: apt-get install -y ([a-z0-9][a-z0-9.+-]*)/g;
const ANY_APT = /apt-get install/g;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && SOURCE.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((path) => !path.startsWith("test/fixtures/") && !READERS.includes(path));
}

/** Each file's hints: the packages it names, and every `apt-get install` it says at all. */
async function hints(): Promise<{ path: string; packages: string[]; mentions: number }[]> {
  const files = (await Promise.all(SEARCHED.map(sourceFiles))).flat();
  return Promise.all(
    files.map(async (path) => {
      const text = await readFile(join(ROOT, path), "utf8");
      const packages = [...text.matchAll(HINT)].map((m) => m[1] ?? "");
      return { path, packages, mentions: text.match(ANY_APT)?.length ?? 0 };
    }),
  );
}

/** The packages of the README's `apt-get install` (options such as -y left out). */
async function readmeInstalls(): Promise<string[]> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Run the tests"));
  const command = /```sh\n(.+)\n```/.exec(section)?.[1] ?? "";
  const install = /apt-get install ([^&]+)&&/.exec(command)?.[1] ?? "";
  return install.split(/\s+/).filter((word) => word !== "" && !word.startsWith("-"));
}

describe("the Debian packages the suite asks for", () => {
  it("are named in one form, '<program> is not installed: apt-get install -y <package>'", async () => {
    const odd = (await hints())
      .filter((file) => file.mentions !== file.packages.length)
      .map((file) => file.path);
    expect(odd, "an apt-get line not in the collected form").toEqual([]);
  });

  it("are the ones the README's test command installs, no more, no fewer", async () => {
    const asked = new Set((await hints()).flatMap((file) => file.packages));
    // Every tool the suite runs from Debian, at least: a hint lost in a rewrite shows here.
    for (const known of ["prometheus", "prometheus-alertmanager", "chromium", "tinyproxy"]) {
      expect(asked).toContain(known);
    }
    expect(new Set(await readmeInstalls())).toEqual(asked);
  });

  it("are installed without what they only recommend", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    expect(readme).toMatch(/^apt-get update && apt-get install -y --no-install-recommends /m);
  });
});
