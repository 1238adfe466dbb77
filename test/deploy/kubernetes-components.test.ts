// deploy/kubernetes/components, each added to the base by an overlay built with the real
// kustomize (kubectl's), and the overlay components/README.md shows, as written there.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { checkBundle } from "./support/bundle-checks.js";
import { DEFAULT_BUNDLE } from "./support/chart.js";
import { kustomize, useKubeTools } from "./support/kube-tools.js";
import { type KubeObject, onlyOne, parseManifests, validateObject } from "./support/kubernetes.js";
import { ROOT, readText } from "./support/repo.js";

const CHECKOUT = "partner-center-exporter";
const BASE = `../${CHECKOUT}/deploy/kubernetes`;
const README = "deploy/kubernetes/components/README.md";

const tools = useKubeTools();
let dir: string;
beforeAll(async () => {
  // Overlays beside a checkout, as the README says: kustomize refuses one inside its base.
  dir = await mkdtemp(join(tmpdir(), "pce-overlays-"));
  await symlink(ROOT, join(dir, CHECKOUT));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Builds an overlay of the base with these components, each object validated by its schema. */
async function build(name: string, kustomization: string): Promise<KubeObject[]> {
  await mkdir(join(dir, name));
  await writeFile(join(dir, name, "kustomization.yaml"), kustomization);
  const objects = parseManifests(await kustomize(tools().kubectl, join(dir, name)), name);
  for (const object of objects) validateObject(object);
  return objects;
}

function withComponents(name: string, components: string[]): Promise<KubeObject[]> {
  return build(
    name,
    stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [BASE],
      components: components.map((c) => `${BASE}/components/${c}`),
    }),
  );
}

function exporter(objects: readonly KubeObject[]) {
  const template = onlyOne(objects, "Deployment").spec?.template;
  const container = template?.spec?.containers[0];
  if (template?.spec === undefined || container === undefined) throw new Error("no container");
  return { labels: template.metadata?.labels ?? {}, spec: template.spec, container };
}

const WEB_MOUNT = {
  name: "web-config",
  mountPath: "/etc/partner-center-exporter/web",
  readOnly: true,
};
const TLS_CONFIG = {
  ca: { secret: { name: "partner-center-exporter-web", key: "ca.crt" } },
  serverName: "partner-center-exporter.monitoring.svc",
};

describe("deploy/kubernetes/components (kubectl kustomize)", () => {
  it("has the components this test builds, each a kustomize Component", async () => {
    const names = (await readdir(`${ROOT}deploy/kubernetes/components`, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(names.sort()).toEqual(["basic-auth", "tls-web-config", "workload-identity"]);
    for (const name of names) {
      const text = readText(`deploy/kubernetes/components/${name}/kustomization.yaml`);
      expect(text, name).toContain("kind: Component");
      expect(readText(README), name).toContain(`\`${name}\``);
    }
  });

  it("tls-web-config: mounts the web config, passes --web.config.file, probes and scrapes over HTTPS", async () => {
    const objects = await withComponents("tls", ["tls-web-config"]);
    expect(
      checkBundle(objects, { ...DEFAULT_BUNDLE, web: { tls: true, probes: "httpGet" } }),
    ).toEqual([]);
    const { spec, container } = exporter(objects);
    expect(container.args).toEqual([
      "--web.config.file=/etc/partner-center-exporter/web/web-config.yml",
    ]);
    expect(container.volumeMounts).toContainEqual(WEB_MOUNT);
    expect(spec.volumes).toContainEqual({
      name: "web-config",
      secret: { secretName: "partner-center-exporter-web", defaultMode: 0o440 },
    });
    expect(container.livenessProbe?.httpGet).toEqual({
      path: "/healthz",
      port: "http",
      scheme: "HTTPS",
    });
    expect(container.readinessProbe?.httpGet?.scheme).toBe("HTTPS");
    const endpoint = onlyOne(objects, "ServiceMonitor").spec.endpoints?.[0];
    expect(endpoint).toMatchObject({ port: "http", scheme: "https", tlsConfig: TLS_CONFIG });
    // The rest of the base is untouched: the credentials still come from their Secret.
    expect(container.env?.map((e) => e.name)).toContain("AZURE_CLIENT_SECRET_FILE");
  });

  it("basic-auth: tcpSocket probes and the ServiceMonitor's credentials, on top of TLS", async () => {
    const objects = await withComponents("basic-auth", ["tls-web-config", "basic-auth"]);
    expect(
      checkBundle(objects, { ...DEFAULT_BUNDLE, web: { tls: true, probes: "tcpSocket" } }),
    ).toEqual([]);
    const { container } = exporter(objects);
    expect(container.livenessProbe).toEqual({
      tcpSocket: { port: "http" },
      initialDelaySeconds: 5,
      periodSeconds: 30,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(container.readinessProbe?.tcpSocket).toEqual({ port: "http" });
    expect(container.readinessProbe?.httpGet).toBeUndefined();
    const endpoint = onlyOne(objects, "ServiceMonitor").spec.endpoints?.[0];
    expect(endpoint).toMatchObject({
      scheme: "https",
      tlsConfig: TLS_CONFIG,
      basicAuth: {
        username: { name: "partner-center-exporter-scrape", key: "username" },
        password: { name: "partner-center-exporter-scrape", key: "password" },
      },
    });
  });

  it("workload-identity: the pod label, the ServiceAccount's ids, no client secret", async () => {
    const objects = await withComponents("workload-identity", ["workload-identity"]);
    expect(checkBundle(objects, { ...DEFAULT_BUNDLE, auth: "workloadIdentity" })).toEqual([]);
    const { labels, spec, container } = exporter(objects);
    expect(labels["azure.workload.identity/use"]).toBe("true");
    // The selector is the base's: the label only asks the webhook.
    expect(onlyOne(objects, "Deployment").spec?.selector.matchLabels).not.toHaveProperty(
      "azure.workload.identity/use",
    );
    expect(container.env?.map((e) => e.name)).toEqual([
      "PARTNER_CENTER_REFRESH_TOKEN_FILE",
      "STATE_DIR",
      "POLL_INTERVAL",
      "LOG_LEVEL",
      "LOG_FORMAT",
    ]);
    expect(spec.volumes?.find((v) => v.name === "credentials")?.secret?.items).toEqual([
      { key: "refresh-token", path: "refresh-token" },
    ]);
    expect(onlyOne(objects, "ServiceAccount").metadata?.annotations).toEqual({
      "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000000",
      "azure.workload.identity/tenant-id": "contoso.onmicrosoft.com",
    });
  });

  it("builds the overlay of components/README.md as written, proxy included", async () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(readText(README))?.[1];
    expect(block).toBeDefined();
    const objects = await build("my-overlay", block ?? "");
    expect(
      checkBundle(objects, {
        ...DEFAULT_BUNDLE,
        auth: "workloadIdentity",
        web: { tls: true, probes: "tcpSocket" },
      }),
    ).toEqual([]);
    const env = exporter(objects).container.env ?? [];
    expect(env.find((e) => e.name === "HTTPS_PROXY")?.valueFrom?.secretKeyRef).toEqual({
      name: "partner-center-exporter-proxy",
      key: "url",
    });
    expect(env.find((e) => e.name === "NO_PROXY")?.value).toBe(".svc,.cluster.local");
    const egress = onlyOne(objects, "NetworkPolicy").spec?.egress ?? [];
    expect(egress.flatMap((r) => (r.ports ?? []).map((p) => p.port))).toContain(3128);
  });
});
