// The Helm emulation itself, on a fixture chart whose `helm template` output is known (Helm's
// own quirks included: values read through JSON, so 1000000 prints as 1e+06).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useRenderer } from "./support/helm.js";
import { ROOT, readText } from "./support/repo.js";

const run = promisify(execFile);
const TESTDATA = `${ROOT}test/deploy/helm-render/testdata`;

const renderer = useRenderer();

async function renderFixture(
  args: string[],
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(renderer().binary, [
      "-chart",
      `${TESTDATA}/fixture`,
      ...args,
    ]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const { stdout, stderr, code } = error as { stdout: string; stderr: string; code: number };
    return { stdout, stderr, code };
  }
}

describe("test/deploy/helm-render (helm template in Go)", () => {
  it("renders the fixture chart as helm template does", async () => {
    const result = await renderFixture([
      "-f",
      `${TESTDATA}/override.yaml`,
      "-name",
      "demo",
      "-namespace",
      "ns",
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(readText("test/deploy/helm-render/testdata/expected.yaml"));
  });

  it("refuses a Kubernetes version outside the chart's kubeVersion", async () => {
    const result = await renderFixture(["-kube-version", "v1.24.0"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("incompatible with Kubernetes v1.24.0");
  });
});
