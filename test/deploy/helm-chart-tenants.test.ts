// The chart with several partner tenants: one exporter (Deployment, STATE_DIR claim, Service,
// ServiceMonitor, NetworkPolicy) per entry of `tenants`, the rules and the dashboard once.
import { describe, expect, it } from "vitest";
import { checkBundle, labelsOf } from "./support/bundle-checks.js";
import { bundleOf, DEFAULT_BUNDLE, TENANT_LABEL, TWO_TENANTS } from "./support/chart.js";
import { schemaErrors } from "./support/chart-values.js";
import { renderObjects, useRenderer } from "./support/helm.js";
import { type KubeObject, ofKind, onlyOne, selects } from "./support/kubernetes.js";

const STATE_DIR = "/var/lib/partner-center-exporter";

const EXPECT = DEFAULT_BUNDLE;

const renderer = useRenderer();

type Rendered = { objects: KubeObject[]; notes: string };

async function renderOk(values: object): Promise<Rendered> {
  expect(schemaErrors(values)).toEqual([]);
  return renderObjects(renderer(), values, { name: "pce" });
}

let twoTenants: Promise<Rendered> | undefined;
/** TWO_TENANTS rendered once for the tests that only read it. */
function renderTwoTenants(): Promise<Rendered> {
  twoTenants ??= renderOk(TWO_TENANTS);
  return twoTenants;
}

function containerOf(objects: readonly KubeObject[]) {
  const container = onlyOne(objects, "Deployment").spec?.template.spec?.containers[0];
  if (container === undefined) throw new Error("no container");
  return container;
}

function envOf(objects: readonly KubeObject[]): Record<string, string | undefined> {
  return Object.fromEntries((containerOf(objects).env ?? []).map((e) => [e.name, e.value]));
}

describe("Helm chart with several tenants", () => {
  it("renders one exporter per tenant, and the rules and dashboard once", async () => {
    const { objects, notes } = await renderTwoTenants();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ConfigMap/pce-partner-center-exporter-dashboard",
      "Deployment/pce-partner-center-exporter-contoso",
      "Deployment/pce-partner-center-exporter-fabrikam",
      "NetworkPolicy/pce-partner-center-exporter-contoso",
      "NetworkPolicy/pce-partner-center-exporter-fabrikam",
      "PersistentVolumeClaim/pce-partner-center-exporter-contoso-state",
      "PersistentVolumeClaim/pce-partner-center-exporter-fabrikam-state",
      "Pod/pce-partner-center-exporter-contoso-test",
      "Pod/pce-partner-center-exporter-fabrikam-test",
      "PrometheusRule/pce-partner-center-exporter",
      "Service/pce-partner-center-exporter-contoso",
      "Service/pce-partner-center-exporter-fabrikam",
      "ServiceAccount/pce-partner-center-exporter",
      "ServiceMonitor/pce-partner-center-exporter-contoso",
      "ServiceMonitor/pce-partner-center-exporter-fabrikam",
    ]);
    for (const kind of ["ServiceAccount", "PrometheusRule", "ConfigMap"] as const) {
      expect(labelsOf(onlyOne(objects, kind))[TENANT_LABEL]).toBeUndefined();
    }
    for (const tenant of ["contoso", "fabrikam"]) {
      // Ports, probes, security, Secret references and *_FILE paths, STATE_DIR and its claim,
      // selectors, the job name: each tenant's objects fit together as the single exporter's do.
      const bundle = bundleOf(objects, tenant);
      expect(checkBundle(bundle, EXPECT), tenant).toEqual([]);
      for (const object of bundle.filter((o) => labelsOf(o)[TENANT_LABEL] !== undefined)) {
        expect(object.metadata.name, `${object.kind} of ${tenant}`).toContain(tenant);
      }
      expect(notes).toContain(`create secret generic pce-${tenant}`);
    }
  });

  it("gives each tenant its own credentials and STATE_DIR volume", async () => {
    const { objects } = await renderTwoTenants();
    const deployments = ofKind(objects, "Deployment");
    expect(new Set(deployments.map((d) => d.metadata?.name)).size).toBe(2);

    const claims = new Set<string>();
    for (const [tenant, secret, keys] of [
      ["contoso", "pce-contoso", ["client-secret", "refresh-token"]],
      ["fabrikam", "pce-fabrikam", ["fabrikam-secret", "fabrikam-token"]],
    ] as const) {
      const bundle = bundleOf(objects, tenant);
      const pod = onlyOne(bundle, "Deployment").spec?.template.spec;
      const container = containerOf(bundle);
      // STATE_DIR is mounted from this tenant's own claim, which is in the render.
      const mount = container.volumeMounts?.find((m) => m.mountPath === STATE_DIR);
      const claim = pod?.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim;
      expect(envOf(bundle).STATE_DIR).toBe(STATE_DIR);
      expect(claim?.claimName).toBe(`pce-partner-center-exporter-${tenant}-state`);
      expect(onlyOne(bundle, "PersistentVolumeClaim").metadata?.name).toBe(claim?.claimName);
      claims.add(claim?.claimName ?? "");

      // Every credential comes from this tenant's Secret, files and references alike.
      const refs = (container.env ?? []).flatMap((e) =>
        e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : [],
      );
      expect(refs.map((r) => r.name)).toEqual([secret, secret]);
      const volume = pod?.volumes?.find((v) => v.name === "credentials")?.secret;
      expect(volume?.secretName).toBe(secret);
      expect(volume?.items?.map((i) => i.key)).toEqual(keys);
      const env = envOf(bundle);
      expect(env.AZURE_CLIENT_SECRET_FILE).toBe(`/etc/partner-center-exporter/secrets/${keys[0]}`);
      expect(env.PARTNER_CENTER_REFRESH_TOKEN_FILE).toBe(
        `/etc/partner-center-exporter/secrets/${keys[1]}`,
      );
    }
    expect(claims.size).toBe(2);
    const fabrikamClaim = onlyOne(bundleOf(objects, "fabrikam"), "PersistentVolumeClaim");
    expect(fabrikamClaim.spec?.resources?.requests?.storage).toBe("2Gi");
    expect(fabrikamClaim.spec?.storageClassName).toBe("fast");
    const contosoClaim = onlyOne(bundleOf(objects, "contoso"), "PersistentVolumeClaim");
    expect(contosoClaim.spec?.resources?.requests?.storage).toBe("1Gi");
    expect(contosoClaim.spec?.storageClassName).toBeUndefined();
  });

  it("makes each tenant its own scrape target, selected by its own objects only", async () => {
    const { objects } = await renderTwoTenants();
    const tenantOf = (o: unknown): string | undefined => labelsOf(o)[TENANT_LABEL];
    const pods = ofKind(objects, "Deployment").map((d) => ({
      tenant: tenantOf(d),
      labels: d.spec?.template.metadata?.labels,
    }));
    const services = ofKind(objects, "Service");
    expect(pods.map((p) => p.labels?.[TENANT_LABEL]).sort()).toEqual(["contoso", "fabrikam"]);

    for (const service of services) {
      const selected = pods.filter((p) => selects(service.spec?.selector, p.labels));
      expect(selected.map((p) => p.tenant)).toEqual([tenantOf(service)]);
    }
    for (const policy of ofKind(objects, "NetworkPolicy")) {
      const selected = pods.filter((p) => selects(policy.spec?.podSelector.matchLabels, p.labels));
      expect(selected.map((p) => p.tenant)).toEqual([tenantOf(policy)]);
    }
    const monitors = ofKind(objects, "ServiceMonitor");
    expect(monitors).toHaveLength(2);
    for (const monitor of monitors) {
      const selected = services.filter((s) =>
        selects(monitor.spec.selector.matchLabels, s.metadata?.labels),
      );
      expect(selected.map((s) => tenantOf(s))).toEqual([tenantOf(monitor)]);
      expect(labelsOf(monitor)).toMatchObject({ release: "kube-prometheus-stack" });
      // instance="<tenant>", whatever the pod's address; the job stays the one the rules expect.
      expect(monitor.spec.jobLabel).toBe("app.kubernetes.io/name");
      expect(monitor.spec.endpoints?.[0]?.relabelings?.[0]).toEqual({
        action: "replace",
        targetLabel: "instance",
        replacement: tenantOf(monitor),
      });
    }
  });

  it("lays each tenant's overrides over the top-level values, for that tenant only", async () => {
    const { objects } = await renderTwoTenants();
    const contoso = bundleOf(objects, "contoso");
    const fabrikam = bundleOf(objects, "fabrikam");
    const contosoEnv = envOf(contoso);
    const fabrikamEnv = envOf(fabrikam);

    expect(contosoEnv.COLLECTORS).toBe("partner-usage,customer-usage");
    expect(contosoEnv.CUSTOMER_FILTER).toBe("channel eq 'reseller'");
    expect(contosoEnv.CUSTOMER_MAX_SERIES).toBeUndefined();
    expect(contosoEnv.AZURE_CLOUD).toBeUndefined();
    expect(contosoEnv.POLL_INTERVAL).toBeUndefined();
    expect(containerOf(contoso).resources?.limits).toEqual({ cpu: "500m", memory: "256Mi" });

    expect(fabrikamEnv.COLLECTORS).toBe("partner-usage,customer-deployment");
    // customer merges key by key: the top-level filter stays, maxSeries is the tenant's.
    expect(fabrikamEnv.CUSTOMER_FILTER).toBe("channel eq 'reseller'");
    expect(fabrikamEnv.CUSTOMER_MAX_SERIES).toBe("200000");
    expect(fabrikamEnv.AZURE_CLOUD).toBe("usgov");
    expect(fabrikamEnv.POLL_INTERVAL).toBe("2h");
    expect(containerOf(fabrikam).resources).toEqual({
      requests: { cpu: "10m", memory: "96Mi" },
      limits: { cpu: "500m", memory: "512Mi" },
    });
    const fabrikamPod = onlyOne(fabrikam, "Deployment").spec?.template.metadata?.labels;
    expect(fabrikamPod).toMatchObject({ team: "fabrikam" });
    const contosoPod = onlyOne(contoso, "Deployment").spec?.template.metadata?.labels;
    expect(contosoPod?.team).toBeUndefined();
  });

  it("renders the tenants in demo mode without credentials", async () => {
    const { objects, notes } = await renderOk({
      demo: true,
      credentials: { existingSecret: "" },
      persistence: { enabled: false },
      tenants: [
        { name: "a", credentials: { existingSecret: "unused-a" } },
        { name: "b", credentials: { existingSecret: "unused-b" } },
      ],
    });
    expect(ofKind(objects, "Deployment")).toHaveLength(2);
    expect(ofKind(objects, "PersistentVolumeClaim")).toEqual([]);
    for (const tenant of ["a", "b"]) {
      expect(
        checkBundle(bundleOf(objects, tenant), { ...EXPECT, demo: true, state: "ephemeral" }),
      ).toEqual([]);
    }
    expect(notes).toContain("WARNING: persistence is disabled for a, b");
  });

  // Ajv's message, and helm's for the same values (gojsonschema's wording).
  it.each([
    [
      "a tenant without a Secret",
      [{ name: "contoso" }],
      "/tenants/0",
      "tenants.0: credentials is required",
    ],
    [
      "a tenant name that is not a DNS label",
      [{ name: "Contoso", credentials: { existingSecret: "s" } }],
      "/tenants/0/name",
      "tenants.0.name: Does not match pattern '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'",
    ],
    [
      "a tenant name too long to add to the objects' names",
      [{ name: "t".repeat(41), credentials: { existingSecret: "s" } }],
      "/tenants/0/name",
      "tenants.0.name: String length must be less than or equal to 40",
    ],
    [
      "an unknown collector for a tenant",
      [{ name: "contoso", credentials: { existingSecret: "s" }, collectors: ["licences"] }],
      "/tenants/0/collectors/0",
      "tenants.0.collectors.0: tenants.0.collectors.0 must be one of the following:",
    ],
    [
      "a value a tenant cannot override",
      [{ name: "contoso", credentials: { existingSecret: "s" }, service: { port: 80 } }],
      "/tenants/0",
      "tenants.0: Additional property service is not allowed",
    ],
  ])("rejects %s in values.schema.json", async (_what, tenants, message, helmMessage) => {
    expect(schemaErrors({ tenants }).join("\n")).toContain(message);
    const result = await renderer().render({ tenants });
    expect(!result.ok && result.error).toContain(`- ${helmMessage}`);
  });

  it("needs no top-level Secret when the tenants name theirs", async () => {
    const tenants = [{ name: "contoso", credentials: { existingSecret: "pce-contoso" } }];
    expect(schemaErrors({ credentials: { existingSecret: "" }, tenants })).toEqual([]);
    expect(schemaErrors({ credentials: { existingSecret: "" } })).not.toEqual([]);
    expect((await renderer().render({ credentials: { existingSecret: "" }, tenants })).ok).toBe(
      true,
    );
  });

  it.each([
    [
      "two tenants of one name",
      {
        tenants: [
          { name: "contoso", credentials: { existingSecret: "a" } },
          { name: "contoso", credentials: { existingSecret: "b" } },
        ],
      },
      '"contoso" appears twice',
    ],
    [
      "a top-level claim every tenant would share",
      {
        persistence: { existingClaim: "old-state" },
        tenants: [{ name: "contoso", credentials: { existingSecret: "a" } }],
      },
      "persistence.existingClaim would be every tenant's STATE_DIR",
    ],
    [
      "two tenants on one claim",
      {
        tenants: [
          { name: "a", credentials: { existingSecret: "a" }, persistence: { existingClaim: "c" } },
          { name: "b", credentials: { existingSecret: "b" }, persistence: { existingClaim: "c" } },
        ],
      },
      'persistence.existingClaim "c" is used twice',
    ],
  ])("refuses to render %s", async (_what, values, message) => {
    const result = await renderer().render(values, { name: "pce" });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(message);
  });

  it("refuses a tenant without its own Secret even when the schema is skipped", async () => {
    const values = { tenants: [{ name: "contoso" }] };
    const checked = await renderer().render(values);
    expect(!checked.ok && checked.error).toContain("- tenants.0: credentials is required");
    const skipped = await renderer().render(values, { skipSchemaValidation: true });
    expect(!skipped.ok && skipped.error).toContain(
      "tenants[0] (contoso): credentials.existingSecret is required",
    );
  });
});
