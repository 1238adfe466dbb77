// The chart rendered by the real `helm template` (Helm 3.17, see kube-tools.ts).
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { stringify } from "yaml";
import { fetchKubeTools, runTool } from "./kube-tools.js";
import { type KubeObject, parseManifests, validateObject } from "./kubernetes.js";
import { CHART_DIR, isRecord, parseYaml } from "./repo.js";

export interface RenderOptions {
  readonly name?: string;
  readonly namespace?: string;
  /** --skip-schema-validation: what the templates' own checks catch without values.schema.json. */
  readonly skipSchemaValidation?: boolean;
}

export interface Renderer {
  /** The helm binary, for tests that run it with their own arguments. */
  readonly helm: string;
  /** Renders the chart like `helm template NAME CHART -n NAMESPACE -f values.yaml`. */
  render(values: object, options?: RenderOptions): Promise<RenderResult>;
}

export type RenderResult =
  | { readonly ok: true; readonly manifests: string; readonly notes: string }
  | { readonly ok: false; readonly error: string };

// `helm template` never prints NOTES.txt (only install and upgrade do, and they need a cluster):
// a copy of the chart renders it a second time, with the same context, into this extra document.
const NOTES_TEMPLATE = "templates/zz-test-notes.yaml";
const NOTES_SOURCE = `# Source: partner-center-exporter/${NOTES_TEMPLATE}`;

async function copyChartWithNotes(dir: string): Promise<string> {
  const chart = join(dir, "partner-center-exporter");
  await cp(CHART_DIR, chart, { recursive: true });
  const notes = await readFile(join(chart, "templates/NOTES.txt"), "utf8");
  await writeFile(
    join(chart, "templates/_test-notes.tpl"),
    `{{- define "test.notes" }}${notes}{{ end }}`,
  );
  const probe = 'kind: TestNotes\nnotes: {{ include "test.notes" . | toJson }}\n';
  await writeFile(join(chart, NOTES_TEMPLATE), probe);
  return chart;
}

/** Splits helm's output into the chart's manifests and the notes document. */
function splitNotes(stdout: string): { manifests: string; notes: string } {
  const documents = stdout.split(/^---\n/m);
  const probe = documents.find((d) => d.startsWith(NOTES_SOURCE));
  const value = probe === undefined ? undefined : parseYaml(probe, NOTES_TEMPLATE);
  if (!isRecord(value) || typeof value.notes !== "string") {
    throw new Error(`helm template printed no ${NOTES_TEMPLATE} document`);
  }
  const manifests = documents.filter((d) => d !== probe).join("---\n");
  return { manifests, notes: value.notes };
}

async function createRenderer(helm: string, dir: string): Promise<Renderer> {
  const chart = await copyChartWithNotes(dir);
  let count = 0;
  return {
    helm,
    async render(values, options = {}) {
      count += 1;
      const valuesFile = join(dir, `values-${count}.yaml`);
      await writeFile(valuesFile, stringify(values));
      const name = options.name ?? "pce";
      const namespace = options.namespace ?? "monitoring";
      const args = ["template", name, chart, "-n", namespace, "-f", valuesFile];
      if (options.skipSchemaValidation === true) args.push("--skip-schema-validation");
      const result = await runTool(helm, args);
      if (result.code !== 0) return { ok: false, error: result.stderr };
      return { ok: true, ...splitNotes(result.stdout) };
    },
  };
}

/** One renderer for a test file: helm fetched and the chart copied before its tests. */
export function useRenderer(): () => Renderer {
  let renderer: Renderer | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    const { helm } = await fetchKubeTools();
    dir = await mkdtemp(join(tmpdir(), "helm-chart-"));
    renderer = await createRenderer(helm, dir);
  }, 600_000);
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (renderer === undefined) throw new Error("helm is not fetched yet");
    return renderer;
  };
}

/** Renders, then parses and validates every object against its kind's schema; throws on failure. */
export async function renderObjects(
  renderer: Renderer,
  values: object,
  options: RenderOptions = {},
): Promise<{ objects: KubeObject[]; notes: string }> {
  const result = await renderer.render(values, options);
  if (!result.ok) throw new Error(result.error);
  const objects = parseManifests(result.manifests, "helm template output");
  for (const object of objects) validateObject(object);
  return { objects, notes: result.notes };
}
