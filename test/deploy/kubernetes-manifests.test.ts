// deploy/kubernetes as `kubectl apply -k` sends it: built by the real kustomize (kubectl's).
import { readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkBundle } from "./support/bundle-checks.js";
import { kustomize, useKubeTools } from "./support/kube-tools.js";
import { type KubeObject, onlyOne, parseManifests, validateObject } from "./support/kubernetes.js";
import { isRecord, PACKAGE, parseYaml, ROOT, readText } from "./support/repo.js";

const DIR = "deploy/kubernetes";
const EXAMPLE_SECRET = "secret.example.yaml";

function kustomization(): { namespace: unknown; resources: unknown } {
  const value = parseYaml(readText(`${DIR}/kustomization.yaml`), "kustomization.yaml");
  if (!isRecord(value)) throw new Error("kustomization.yaml: not a map");
  return { namespace: value.namespace, resources: value.resources };
}

function load(file: string): KubeObject[] {
  return parseManifests(readText(`${DIR}/${file}`), `${DIR}/${file}`);
}

const tools = useKubeTools();
let built: KubeObject[] = [];
beforeAll(async () => {
  const output = await kustomize(tools().kubectl, `${ROOT}${DIR}`);
  built = parseManifests(output, `kubectl kustomize ${DIR}`);
});

/** What `kubectl apply -k` sends (a fresh copy: some tests change it). */
function applied(): KubeObject[] {
  return structuredClone(built);
}

const EXPECT_PLAIN = {
  demo: false,
  state: "claim",
  serviceAccountCreated: true,
  imageTag: PACKAGE.version,
} as const;
const container = (objects: KubeObject[]) => {
  const found = onlyOne(objects, "Deployment").spec?.template.spec?.containers[0];
  if (found === undefined) throw new Error("no container");
  return found;
};

describe("deploy/kubernetes (plain manifests)", () => {
  it("lists every manifest in kustomization.yaml, except the example Secret", () => {
    const files = readdirSync(`${DIR}`).filter(
      (f) => f.endsWith(".yaml") && f !== "kustomization.yaml" && f !== EXAMPLE_SECRET,
    );
    const { resources } = kustomization();
    expect(Array.isArray(resources) && [...resources].sort()).toEqual(files.sort());
    const key = (o: KubeObject): string => `${o.kind}/${o.metadata.name}`;
    expect(applied().map(key).sort()).toEqual(files.flatMap(load).map(key).sort());
  });

  it("puts every object in the kustomization's namespace", () => {
    const { namespace } = kustomization();
    expect(namespace).toBe("monitoring");
    expect(applied().map((o) => o.metadata.namespace)).toEqual(applied().map(() => namespace));
  });

  it("validates every object against the Kubernetes and Prometheus Operator schemas", () => {
    const objects = [...applied(), ...load(EXAMPLE_SECRET)];
    expect(objects.map((o) => o.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "NetworkPolicy",
      "PersistentVolumeClaim",
      "PrometheusRule",
      "Secret",
      "Service",
      "ServiceAccount",
      "ServiceMonitor",
    ]);
    for (const object of objects) validateObject(object);
  });

  it("fits together and matches the exporter's configuration", () => {
    const problems = checkBundle([...applied(), ...load(EXAMPLE_SECRET)], EXPECT_PLAIN);
    expect(problems).toEqual([]);
  });

  it("labels the Deployment with the package version", () => {
    const deployment = onlyOne(applied(), "Deployment");
    expect(deployment.metadata?.labels?.["app.kubernetes.io/version"]).toBe(PACKAGE.version);
  });

  it("keeps the Secret volume readable by the pod's group only", () => {
    const pod = onlyOne(applied(), "Deployment").spec?.template.spec;
    const secretVolume = pod?.volumes?.find((v) => v.secret !== undefined);
    expect(secretVolume?.secret?.defaultMode).toBe(0o440);
    expect(pod?.securityContext?.fsGroup).toBe(pod?.securityContext?.runAsGroup);
  });

  it.each<[string, (objects: KubeObject[]) => void, string]>([
    [
      "a Service selecting other pods",
      (o) => {
        const spec = onlyOne(o, "Service").spec;
        if (spec) spec.selector = { app: "other" };
      },
      "Service selector does not match the pod labels",
    ],
    [
      "a ServiceMonitor scraping a port the Service lacks",
      (o) => {
        const endpoint = onlyOne(o, "ServiceMonitor").spec.endpoints?.[0];
        if (endpoint) endpoint.port = "metrics";
      },
      "ServiceMonitor endpoint port metrics is not a Service port name",
    ],
    [
      "a readiness probe on the wrong path",
      (o) => {
        const get = container(o).readinessProbe?.httpGet;
        if (get) get.path = "/ready";
      },
      "readinessProbe must GET /readyz, has /ready",
    ],
    [
      "a *_FILE path outside the Secret volume",
      (o) => {
        const file = container(o).env?.find((e) => e.name === "AZURE_CLIENT_SECRET_FILE");
        if (file) file.value = "/etc/elsewhere/client-secret";
      },
      "AZURE_CLIENT_SECRET_FILE=/etc/elsewhere/client-secret is not in a mounted Secret volume",
    ],
    [
      "a misspelt setting",
      (o) => {
        container(o).env?.push({ name: "POLL_INTERVALL", value: "1h" });
      },
      "POLL_INTERVALL is not a setting of the exporter",
    ],
    [
      "a secret passed inline",
      (o) => {
        container(o).env?.push({ name: "AZURE_CLIENT_SECRET", value: "s3cret" });
      },
      "AZURE_CLIENT_SECRET has its value inline: use AZURE_CLIENT_SECRET_FILE",
    ],
    [
      "a Secret key the Deployment does not read",
      (o) => {
        const secret = onlyOne(o, "Secret");
        secret.stringData = { ...secret.stringData, "client-id-typo": "x" };
      },
      "Secret keys client-id,client-id-typo,client-secret,refresh-token,tenant-id differ",
    ],
    [
      "a writable root filesystem",
      (o) => {
        const security = container(o).securityContext;
        if (security) security.readOnlyRootFilesystem = false;
      },
      "readOnlyRootFilesystem is not true",
    ],
    [
      "STATE_DIR off the state volume",
      (o) => {
        const state = container(o).env?.find((e) => e.name === "STATE_DIR");
        if (state) state.value = "/tmp/state";
      },
      "STATE_DIR /tmp/state is not a volume mount",
    ],
  ])("catches %s", (_what, mutate, problem) => {
    const objects = [...applied(), ...load(EXAMPLE_SECRET)];
    mutate(objects);
    expect(checkBundle(objects, EXPECT_PLAIN).join("\n")).toContain(problem);
  });

  it("catches what only the schemas see", () => {
    const objects = applied();
    const port = onlyOne(objects, "Service").spec?.ports?.[0] as { port: unknown } | undefined;
    if (port) port.port = "x";
    const service = objects.find((o) => o.kind === "Service");
    expect(() => service && validateObject(service)).toThrow(/port/);
  });
});
