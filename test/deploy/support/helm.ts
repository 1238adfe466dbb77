import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";
import { stringify } from "yaml";
import { CHART_DIR, ROOT } from "./repo.js";

const run = promisify(execFile);

/** Debian's packages that the renderer builds with (GOPATH mode, no module download). */
export const GO_PACKAGES = "golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev";

export interface Renderer {
  /** The built helm-render binary. */
  readonly binary: string;
  /** Renders the chart like `helm template NAME CHART -n NAMESPACE -f values.yaml`. */
  render(values: object, options?: { name?: string; namespace?: string }): Promise<RenderResult>;
  dispose(): Promise<void>;
}

export type RenderResult =
  | { readonly ok: true; readonly manifests: string; readonly notes: string }
  | { readonly ok: false; readonly error: string };

/** Builds test/deploy/helm-render into a temporary directory. Fails (never skips) without Go. */
export async function buildRenderer(): Promise<Renderer> {
  const dir = await mkdtemp(join(tmpdir(), "helm-render-"));
  const binary = join(dir, "helm-render");
  try {
    await run("go", ["build", "-o", binary, "."], {
      cwd: `${ROOT}test/deploy/helm-render`,
      env: {
        ...process.env,
        GO111MODULE: "off",
        GOPATH: `${join(dir, "gopath")}:/usr/share/gocode`,
        // Shared between runs: a rebuild takes a fraction of a second.
        GOCACHE: process.env.GOCACHE ?? join(tmpdir(), "partner-center-exporter-go-cache"),
        GOFLAGS: "",
      },
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === "ENOENT") {
      throw new Error(`go is not installed: apt-get install -y ${GO_PACKAGES}`);
    }
    throw new Error(`building the Helm renderer failed (needs ${GO_PACKAGES}):\n${stderr ?? ""}`);
  }

  let count = 0;
  return {
    binary,
    async render(values, options = {}) {
      count += 1;
      const valuesFile = join(dir, `values-${count}.yaml`);
      const notesFile = join(dir, `notes-${count}.txt`);
      await writeFile(valuesFile, stringify(values));
      const args = ["-chart", CHART_DIR, "-f", valuesFile, "-notes", notesFile];
      args.push("-name", options.name ?? "pce", "-namespace", options.namespace ?? "monitoring");
      try {
        const { stdout } = await run(binary, args, { maxBuffer: 16 * 1024 * 1024 });
        return { ok: true, manifests: stdout, notes: await readFile(notesFile, "utf8") };
      } catch (error) {
        return { ok: false, error: (error as { stderr?: string }).stderr ?? String(error) };
      }
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** One renderer for a test file: built before its tests, removed after them. */
export function useRenderer(): () => Renderer {
  let renderer: Renderer | undefined;
  beforeAll(async () => {
    renderer = await buildRenderer();
  }, 120_000);
  afterAll(async () => {
    await renderer?.dispose();
  });
  return () => {
    if (renderer === undefined) throw new Error("the Helm renderer is not built yet");
    return renderer;
  };
}
