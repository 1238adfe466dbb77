// The chart as chart-testing's `ct lint` checks it: `helm lint --strict` with each values file of
// its ci/ folder, and `helm template` of each, every object valid and fitting the others.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BundleExpectations, checkBundle } from "./support/bundle-checks.js";
import { bundleOf, ciValues } from "./support/chart.js";
import { DEFAULT_VALUES } from "./support/chart-values.js";
import { runTool, useKubeTools } from "./support/kube-tools.js";
import { parseManifests, validateObject } from "./support/kubernetes.js";
import { CHART_DIR, isRecord, PACKAGE } from "./support/repo.js";

const tools = useKubeTools();
const helm = (...args: string[]) => runTool(tools().helm, args);

const DEFAULTS: BundleExpectations = {
  demo: false,
  state: "claim",
  serviceAccountCreated: true,
  imageTag: PACKAGE.version,
};

/** Each ci/ file and the exporters it runs (by tenant; "" is the single exporter). */
const CI_FILES: Readonly<Record<string, Readonly<Record<string, BundleExpectations>>>> = {
  "default-values.yaml": { "": DEFAULTS },
  "demo-values.yaml": { "": { ...DEFAULTS, demo: true, state: "ephemeral" } },
  "existing-objects-values.yaml": {
    "": { ...DEFAULTS, state: "existing-claim", serviceAccountCreated: false, imageTag: undefined },
  },
  "tenants-values.yaml": { contoso: DEFAULTS, fabrikam: DEFAULTS },
  "all-values.yaml": { "": { ...DEFAULTS, imageTag: "0.1.0-rc.1" } },
  "tls-values.yaml": { "": { ...DEFAULTS, web: { tls: true, probes: "tcpSocket" } } },
  "workload-identity-values.yaml": { "": { ...DEFAULTS, auth: "workloadIdentity" } },
  "client-certificate-values.yaml": { "": { ...DEFAULTS, auth: "clientCertificate" } },
};
const FILES = Object.keys(CI_FILES);

/** The paths of a values tree down to its scalars, lists and empty maps: `image.tag`, `tenants`. */
function valuePaths(values: unknown, prefix = ""): string[] {
  if (!isRecord(values) || Object.keys(values).length === 0) return [prefix];
  return Object.entries(values).flatMap(([key, value]) =>
    valuePaths(value, prefix === "" ? key : `${prefix}.${key}`),
  );
}

describe("Helm chart ci/ values (helm lint and helm template)", () => {
  it("holds exactly the values files this test knows", () => {
    expect(readdirSync(`${CHART_DIR}/ci`).sort()).toEqual([...FILES].sort());
  });

  it("sets every value of values.yaml in one ci/ file or another", () => {
    const set = FILES.flatMap((file) => valuePaths(ciValues(file)));
    const isSet = (path: string) => set.some((p) => p === path || p.startsWith(`${path}.`));
    expect(valuePaths(DEFAULT_VALUES).filter((path) => !isSet(path))).toEqual([]);
  });

  it("passes helm lint --strict with its defaults", async () => {
    const result = await helm("lint", "--strict", CHART_DIR);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.code).toBe(0);
  });

  it.each(FILES)("passes helm lint --strict with ci/%s", async (file) => {
    const result = await helm("lint", "--strict", CHART_DIR, "-f", `${CHART_DIR}/ci/${file}`);
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.code).toBe(0);
  });

  it.each(FILES)("renders ci/%s into valid objects that fit together", async (file) => {
    const args = ["template", "pce", CHART_DIR, "-n", "monitoring"];
    const result = await helm(...args, "-f", `${CHART_DIR}/ci/${file}`);
    expect(result.stderr).toBe("");
    const objects = parseManifests(result.stdout, `helm template -f ci/${file}`);
    for (const object of objects) validateObject(object);
    for (const [tenant, expectations] of Object.entries(CI_FILES[file] ?? {})) {
      const bundle = tenant === "" ? objects : bundleOf(objects, tenant);
      expect(checkBundle(bundle, expectations), tenant).toEqual([]);
    }
  });

  it("refuses a Kubernetes version outside the chart's kubeVersion", async () => {
    const template = ["template", "pce", CHART_DIR];
    const old = await helm(...template, "--kube-version", "v1.24.0");
    expect(old.code).toBe(1);
    expect(old.stderr).toContain("incompatible with Kubernetes v1.24.0");
    expect((await helm(...template, "--kube-version", "v1.25.0")).code).toBe(0);
  });
});
