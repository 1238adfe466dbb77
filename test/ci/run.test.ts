// .ci/run's own control flow: the real script, copied into a scratch checkout whose PATH puts a
// recording apt-get and npm first, so each step is logged and one chosen step fails. Every step
// the script runs is one of these two programs; what they do for real is the suite's business.
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../../.ci/run", import.meta.url));
const INSTALL = /apt-get install [^&]+(?= &&)/.exec(await readFile(SCRIPT, "utf8"))?.[0] ?? "";

/** Every step, in order, as the recording programs log them. */
const STEPS = [
  "npm --version",
  "apt-get update",
  INSTALL,
  "npm ci",
  "npm test",
  "npm run test:runtimes",
  "npm run lint",
  "npm run typecheck",
] as const;

// Logs "<program> <args>" and exits 3 when that is the step named in FAILING_STEP.
const RECORDER = `#!/bin/sh
step="$(basename "$0") $*"
echo "$step" >> "$STEPS_LOG"
if [ "$step" = "$FAILING_STEP" ]; then exit 3; fi
`;

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "pce-ci-run-"));
  await mkdir(join(root, ".ci"));
  await mkdir(join(root, "bin"));
  await copyFile(SCRIPT, join(root, ".ci", "run"));
  for (const program of ["apt-get", "npm"]) {
    await writeFile(join(root, "bin", program), RECORDER);
    await chmod(join(root, "bin", program), 0o755);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the copied .ci/run with `failing` as the step that fails: its exit code and the steps. */
function ciRun(failing: string): Promise<{ code: number; steps: string[] }> {
  const log = join(root, `steps-${Math.random().toString(36).slice(2)}.log`);
  const env = {
    PATH: `${join(root, "bin")}:${process.env.PATH ?? ""}`,
    STEPS_LOG: log,
    FAILING_STEP: failing,
  };
  return new Promise((resolve, reject) => {
    execFile("bash", [join(root, ".ci", "run")], { env }, async (error) => {
      try {
        const code = error === null ? 0 : Number(error.code);
        const steps = (await readFile(log, "utf8")).trim().split("\n");
        resolve({ code, steps });
      } catch (readError) {
        reject(readError);
      }
    });
  });
}

describe(".ci/run", () => {
  it("runs every step, in order, and passes when each does", async () => {
    const { code, steps } = await ciRun("none");
    expect(steps).toEqual(STEPS);
    expect(code).toBe(0);
  });

  it("installs Debian packages", () => {
    expect(INSTALL).toMatch(/^apt-get install -y \S/);
  });

  it.each(STEPS.map((step, index) => [step, index] as const).slice(1))(
    "fails, with the step's exit status, when %s fails, and runs nothing after it",
    async (failing, index) => {
      const { code, steps } = await ciRun(failing);
      expect(steps).toEqual(STEPS.slice(0, index + 1));
      expect(code).toBe(3);
    },
  );
});
