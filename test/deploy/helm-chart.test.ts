import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { CLOUD_NAMES } from "../../src/config/clouds.js";
import { parseDuration } from "../../src/config/duration.js";
import { GROUPABLE_FIELDS, loadConfig } from "../../src/config/load-config.js";
import { SETTINGS } from "../../src/config/settings.js";
import { type BundleExpectations, checkBundle, labelsOf } from "./support/bundle-checks.js";
import { CHART, DEFAULT_VALUES, SCHEMA, schemaAt, schemaErrors } from "./support/chart-values.js";
import { useRenderer } from "./support/helm.js";
import {
  type KubeObject,
  ofKind,
  onlyOne,
  parseManifests,
  validateObject,
} from "./support/kubernetes.js";
import { CHART_DIR, isRecord, PACKAGE, parseYaml, readText } from "./support/repo.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

/** Everything an operator may change, changed. */
const CUSTOM_VALUES = {
  fullnameOverride: "pc-exporter",
  image: { repository: "registry.example.com/pce", digest: DIGEST, pullPolicy: "Always" },
  imagePullSecrets: [{ name: "regcred" }],
  credentials: {
    existingSecret: "pc-credentials",
    keys: { tenantId: "tenant", clientId: "client", clientSecret: "secret", refreshToken: "token" },
  },
  pollInterval: "30m",
  logLevel: "debug",
  cloud: "global",
  partnerCenterUrl: "https://api.partnercenter.microsoft.com",
  authorityHost: "https://login.microsoftonline.com",
  collectors: ["partner-usage", "partner-deployment"],
  customer: { groupBy: ["customerTenantId"], filter: "channel eq 'reseller'", maxSeries: 20000 },
  extraEnv: [{ name: "POLL_TIMEOUT", value: "10m" }],
  extraArgs: ["--log.format=json"],
  persistence: { existingClaim: "pce-state-old" },
  service: { port: 8080, annotations: { "example.com/scrape": "false" } },
  serviceMonitor: {
    labels: { release: "kube-prometheus-stack" },
    interval: "2m",
    scrapeTimeout: "30s",
    metricRelabelings: [{ action: "drop", sourceLabels: ["__name__"], regex: "nodejs_gc_.*" }],
  },
  prometheusRule: { labels: { release: "kube-prometheus-stack" } },
  dashboard: {
    labels: { grafana_dashboard: "1", team: "licences" },
    annotations: { grafana_folder: "Partner Center" },
    namespace: "grafana",
  },
  networkPolicy: {
    ingressFrom: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "obs" } } }],
    egressPorts: [443, 8443],
    extraEgress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: 3128 }] }],
  },
  serviceAccount: { create: false, name: "workload-identity" },
  podAnnotations: { "example.com/owner": "licences" },
  podLabels: { team: "licences" },
  commonLabels: { "cost-center": "42" },
  resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  priorityClassName: "low",
  nodeSelector: { "kubernetes.io/os": "linux" },
  tolerations: [{ key: "dedicated", operator: "Equal", value: "monitoring", effect: "NoSchedule" }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "pool", operator: "In", values: ["monitoring"] }] },
        ],
      },
    },
  },
};

/** The smallest install: demo mode and nothing optional. */
const DEMO_VALUES = {
  demo: true,
  credentials: { existingSecret: "" },
  persistence: { enabled: false },
  serviceMonitor: { enabled: false },
  prometheusRule: { enabled: false },
  dashboard: { enabled: false },
  networkPolicy: { enabled: false },
};

const renderer = useRenderer();

async function renderOk(
  values: object,
  options: { name?: string; namespace?: string } = {},
): Promise<{ objects: KubeObject[]; notes: string }> {
  const result = await renderer().render(values, options);
  if (!result.ok) throw new Error(result.error);
  const objects = parseManifests(result.manifests, "helm-render output");
  for (const object of objects) validateObject(object);
  return { objects, notes: result.notes };
}

describe("Helm chart metadata and values", () => {
  it("versions the app as package.json does", () => {
    const chart = parseYaml(readText(`${CHART}/Chart.yaml`), "Chart.yaml");
    expect(isRecord(chart) && chart.appVersion).toBe(PACKAGE.version);
    expect(isRecord(chart) && chart.name).toBe("partner-center-exporter");
  });

  it("has default values that satisfy values.schema.json", () => {
    expect(schemaErrors({})).toEqual([]);
    expect(schemaErrors(CUSTOM_VALUES)).toEqual([]);
    expect(schemaErrors(DEMO_VALUES)).toEqual([]);
  });

  it.each([
    ["a misspelt key", { serviceMonitor: { enable: true } }, "must NOT have additional properties"],
    ["a duration the exporter cannot read", { pollInterval: "1 hour" }, "/pollInterval"],
    ["the latest tag", { image: { tag: "latest" } }, "/image/tag"],
    ["an unknown log level", { logLevel: "verbose" }, "/logLevel"],
    ["a NetworkPolicy open to all", { networkPolicy: { ingressFrom: [] } }, "/networkPolicy"],
    ["no Secret outside demo", { credentials: { existingSecret: "" } }, "/credentials"],
    ["a port as a string", { service: { port: "9841" } }, "/service/port"],
    ["an unknown collector", { collectors: ["partner-usage", "licences"] }, "/collectors/1"],
    [
      "a collector named twice",
      { collectors: ["customer-usage", "customer-usage"] },
      "/collectors",
    ],
    ["a comma list for collectors", { collectors: "partner-usage,customer-usage" }, "/collectors"],
    ["an unknown groupby field", { customer: { groupBy: ["tenant"] } }, "/customer/groupBy/0"],
    ["a page over 10000 rows", { customer: { pageSize: 10001 } }, "/customer/pageSize"],
    ["no series allowed", { customer: { maxSeries: 0 } }, "/customer/maxSeries"],
    ["a number as a string", { customer: { maxSeries: "50000" } }, "/customer/maxSeries"],
    ["an unknown customer key", { customer: { groupby: [] } }, "/customer"],
    ["an unknown cloud", { cloud: "azure-germany" }, "/cloud"],
  ])("rejects %s", (_what, values, message) => {
    expect(schemaErrors(values).join("\n")).toContain(message);
  });

  it("offers the exporter's log levels and reads durations as it does", () => {
    const levels = SETTINGS.find((s) => s.env === "LOG_LEVEL");
    expect(
      isRecord(SCHEMA) && JSON.stringify(SCHEMA).includes(JSON.stringify(levels?.choices)),
    ).toBe(true);
    for (const good of ["500ms", "30s", "15m", "1h", "1h30m", "1d"]) {
      expect(parseDuration(good)).toBeGreaterThan(0);
      expect(schemaErrors({ pollInterval: good })).toEqual([]);
    }
    for (const bad of ["1 hour", "10", "1H", "-1h"]) {
      expect(parseDuration(bad)).toBeUndefined();
      expect(schemaErrors({ pollInterval: bad })).not.toEqual([]);
    }
  });

  it("offers the exporter's collectors, groupby fields and clouds", () => {
    expect(schemaAt("/definitions/collectors/items/enum")).toEqual(
      ALL_COLLECTORS.map((c) => c.name),
    );
    expect(schemaAt("/definitions/customer/properties/groupBy/items/enum")).toEqual(
      GROUPABLE_FIELDS,
    );
    const clouds = SETTINGS.find((s) => s.env === "AZURE_CLOUD");
    expect(clouds?.choices).toEqual(CLOUD_NAMES);
    expect(schemaAt("/definitions/cloud/enum")).toEqual(["", ...CLOUD_NAMES]);
    // The page size's maximum is the exporter's default, which is the API's maximum.
    const pageSize = SETTINGS.find((s) => s.env === "CUSTOMER_PAGE_SIZE");
    expect(schemaAt("/definitions/customer/properties/pageSize/maximum")).toBe(
      Number(pageSize?.default),
    );
    expect(
      schemaErrors({
        collectors: ALL_COLLECTORS.map((c) => c.name),
        customer: { groupBy: GROUPABLE_FIELDS, filter: "x", maxSeries: 1, pageSize: 10000 },
        cloud: "china",
      }),
    ).toEqual([]);
  });

  it("uses every top-level value in a template", () => {
    const templates = readdirSync(`${CHART_DIR}/templates`)
      .map((f) => readText(`${CHART}/templates/${f}`))
      .join("\n");
    const keys = isRecord(DEFAULT_VALUES) ? Object.keys(DEFAULT_VALUES) : [];
    expect(keys.filter((k) => !templates.includes(`.Values.${k}`))).toEqual([]);
  });
});

describe("Helm chart rendered (helm template emulated in Go)", () => {
  const defaults: BundleExpectations = {
    demo: false,
    state: "claim",
    serviceAccountCreated: true,
    imageTag: PACKAGE.version,
  };

  it("renders the defaults into valid objects that fit together", async () => {
    const { objects, notes } = await renderOk({});
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ConfigMap/pce-partner-center-exporter-dashboard",
      "Deployment/pce-partner-center-exporter",
      "NetworkPolicy/pce-partner-center-exporter",
      "PersistentVolumeClaim/pce-partner-center-exporter-state",
      "PrometheusRule/pce-partner-center-exporter",
      "Service/pce-partner-center-exporter",
      "ServiceAccount/pce-partner-center-exporter",
      "ServiceMonitor/pce-partner-center-exporter",
    ]);
    expect(checkBundle(objects, defaults)).toEqual([]);
    expect(objects.every((o) => o.metadata.namespace === "monitoring")).toBe(true);
    expect(labelsOf(onlyOne(objects, "ConfigMap"))).toMatchObject({ grafana_dashboard: "1" });
    expect(notes).toContain("create secret generic partner-center-exporter");
  });

  it("renders the same objects as deploy/kubernetes when named like them", async () => {
    const { objects } = await renderOk({}, { name: "partner-center-exporter" });
    const { resources } = parseYaml(readText("deploy/kubernetes/kustomization.yaml"), "k") as {
      resources: string[];
    };
    const plain = resources.flatMap((f) => parseManifests(readText(`deploy/kubernetes/${f}`), f));
    const key = (o: KubeObject): string => `${o.kind}/${o.metadata.name}`;
    expect(objects.map(key).sort()).toEqual(plain.map(key).sort());

    const comparable = (o: KubeObject): unknown => {
      const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
      if (o.kind === "ServiceMonitor" && isRecord(rest.spec)) {
        const { namespaceSelector: _n, ...spec } = rest.spec;
        return { ...rest, spec };
      }
      return rest;
    };
    for (const object of plain) {
      const rendered = objects.find((o) => key(o) === key(object));
      if (object.kind === "Deployment") {
        // The plain Deployment spells out the exporter's default poll interval.
        const container = onlyOne([object], "Deployment").spec?.template.spec?.containers[0];
        if (container?.env) container.env = container.env.filter((e) => e.name !== "POLL_INTERVAL");
      }
      expect(rendered && comparable(rendered), key(object)).toEqual(comparable(object));
    }
  });

  it("applies every non-default value", async () => {
    const { objects, notes } = await renderOk(CUSTOM_VALUES, { name: "licences" });
    expect(
      checkBundle(objects, {
        ...defaults,
        state: "existing-claim",
        serviceAccountCreated: false,
        imageTag: undefined,
      }),
    ).toEqual([]);
    expect(ofKind(objects, "ServiceAccount")).toEqual([]);
    expect(ofKind(objects, "PersistentVolumeClaim")).toEqual([]);

    const deployment = onlyOne(objects, "Deployment");
    expect(deployment.metadata?.name).toBe("pc-exporter");
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    expect(container?.image).toBe(`registry.example.com/pce@${DIGEST}`);
    expect(container?.imagePullPolicy).toBe("Always");
    expect(container?.args).toEqual(["--log.format=json"]);
    expect(pod?.serviceAccountName).toBe("workload-identity");
    expect(pod?.imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect(pod?.priorityClassName).toBe("low");
    expect(pod?.nodeSelector).toEqual(CUSTOM_VALUES.nodeSelector);
    expect(pod?.tolerations).toEqual(CUSTOM_VALUES.tolerations);
    expect(pod?.affinity).toEqual(CUSTOM_VALUES.affinity);
    expect(container?.resources).toEqual(CUSTOM_VALUES.resources);
    expect(deployment.spec?.template.metadata?.labels).toMatchObject({ team: "licences" });
    expect(deployment.spec?.template.metadata?.annotations).toEqual(CUSTOM_VALUES.podAnnotations);
    expect(deployment.metadata?.labels).toMatchObject({ "cost-center": "42" });

    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e]));
    expect(env.POLL_INTERVAL?.value).toBe("30m");
    expect(env.LOG_LEVEL?.value).toBe("debug");
    expect(env.POLL_TIMEOUT?.value).toBe("10m");
    expect(env.PARTNER_CENTER_URL?.value).toBe(CUSTOM_VALUES.partnerCenterUrl);
    expect(env.AZURE_AUTHORITY_HOST?.value).toBe(CUSTOM_VALUES.authorityHost);
    expect(env.AZURE_CLOUD?.value).toBe("global");
    expect(env.COLLECTORS?.value).toBe("partner-usage,partner-deployment");
    expect(env.CUSTOMER_GROUP_BY?.value).toBe("customerTenantId");
    expect(env.CUSTOMER_FILTER?.value).toBe("channel eq 'reseller'");
    expect(env.CUSTOMER_MAX_SERIES?.value).toBe("20000");
    expect(env.CUSTOMER_PAGE_SIZE).toBeUndefined();
    expect(env.AZURE_TENANT_ID?.valueFrom?.secretKeyRef).toEqual({
      name: "pc-credentials",
      key: "tenant",
    });
    expect(env.AZURE_CLIENT_ID?.valueFrom?.secretKeyRef).toEqual({
      name: "pc-credentials",
      key: "client",
    });
    const secretVolume = pod?.volumes?.find((v) => v.name === "credentials")?.secret;
    expect(secretVolume?.secretName).toBe("pc-credentials");
    expect(secretVolume?.items?.map((i) => i.key)).toEqual(["secret", "token"]);
    expect(pod?.volumes?.find((v) => v.name === "state")?.persistentVolumeClaim?.claimName).toBe(
      "pce-state-old",
    );

    const service = onlyOne(objects, "Service");
    expect(service.spec?.ports?.[0]?.port).toBe(8080);
    expect(service.metadata?.annotations).toEqual(CUSTOM_VALUES.service.annotations);
    const monitor = onlyOne(objects, "ServiceMonitor");
    expect(labelsOf(monitor)).toMatchObject({ release: "kube-prometheus-stack" });
    expect(monitor.spec.namespaceSelector?.matchNames).toEqual(["monitoring"]);
    expect(monitor.spec.endpoints?.[0]).toMatchObject({
      interval: "2m",
      scrapeTimeout: "30s",
      metricRelabelings: CUSTOM_VALUES.serviceMonitor.metricRelabelings,
    });
    expect(labelsOf(onlyOne(objects, "PrometheusRule"))).toMatchObject({
      release: "kube-prometheus-stack",
    });
    const dashboard = onlyOne(objects, "ConfigMap");
    expect(dashboard.metadata?.namespace).toBe("grafana");
    expect(labelsOf(dashboard)).toMatchObject({ grafana_dashboard: "1", team: "licences" });
    expect(dashboard.metadata?.annotations).toEqual({ grafana_folder: "Partner Center" });
    const policy = onlyOne(objects, "NetworkPolicy");
    expect(policy.spec?.ingress?.[0]?.from).toEqual(CUSTOM_VALUES.networkPolicy.ingressFrom);
    expect(policy.spec?.egress?.flatMap((r) => r.ports?.map((p) => p.port))).toEqual([
      53, 53, 443, 8443, 3128,
    ]);
    expect(notes).toContain("--from-literal=tenant=");
  });

  it("sets the collector settings exactly as given, and none of them by default", async () => {
    const envOf = (objects: KubeObject[]) =>
      onlyOne(objects, "Deployment").spec?.template.spec?.containers[0]?.env ?? [];
    const COLLECTOR_ENVS = [
      "COLLECTORS",
      "CUSTOMER_GROUP_BY",
      "CUSTOMER_FILTER",
      "CUSTOMER_MAX_SERIES",
      "CUSTOMER_PAGE_SIZE",
      "AZURE_CLOUD",
    ];
    const defaults = envOf((await renderOk({})).objects);
    expect(defaults.filter((e) => COLLECTOR_ENVS.includes(e.name))).toEqual([]);

    const filter = "serviceCode eq 'o365' and channel eq \"reseller\"";
    const { objects } = await renderOk({
      collectors: ["customer-usage", "customer-deployment"],
      customer: {
        groupBy: ["customerTenantId", "productId", "productName"],
        filter,
        maxSeries: 1_000_000,
        pageSize: 5000,
      },
      cloud: "usgov",
    });
    const env = envOf(objects);
    expect(env.filter((e) => COLLECTOR_ENVS.includes(e.name))).toEqual([
      { name: "COLLECTORS", value: "customer-usage,customer-deployment" },
      { name: "CUSTOMER_GROUP_BY", value: "customerTenantId,productId,productName" },
      { name: "CUSTOMER_FILTER", value: filter },
      // Not 1e+06: Helm reads numbers from values files as floats.
      { name: "CUSTOMER_MAX_SERIES", value: "1000000" },
      { name: "CUSTOMER_PAGE_SIZE", value: "5000" },
      { name: "AZURE_CLOUD", value: "usgov" },
    ]);

    // The exporter accepts what the chart renders.
    const plain = Object.fromEntries(
      env.map((e) => [e.name, e.value ?? `from-secret-${e.valueFrom?.secretKeyRef?.key}`]),
    );
    const result = loadConfig({ argv: [], env: plain, readFile: () => "a-secret\n" });
    if (result.kind !== "run") throw new Error(JSON.stringify(result));
    expect(result.config.collectors.list).toEqual(["customer-usage", "customer-deployment"]);
    expect(result.config.customerGroupBy).toEqual(["customerTenantId", "productId", "productName"]);
    expect(result.config.customerFilter).toBe(filter);
    expect(result.config.customerMaxSeries).toBe(1_000_000);
    expect(result.config.customerPageSize).toBe(5000);
    expect(result.config.cloud).toBe("usgov");
  });

  it("renders demo mode without credentials, state volume or optional objects", async () => {
    const { objects, notes } = await renderOk(DEMO_VALUES, {
      name: "partner-center-exporter-demo",
    });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "Deployment/partner-center-exporter-demo",
      "Service/partner-center-exporter-demo",
      "ServiceAccount/partner-center-exporter-demo",
    ]);
    expect(checkBundle(objects, { ...defaults, demo: true, state: "ephemeral" })).toEqual([]);
    const pod = onlyOne(objects, "Deployment").spec?.template.spec;
    expect(pod?.volumes?.map((v) => v.name)).toEqual(["state"]);
    expect(notes).toContain("Demo mode");
    expect(notes).toContain("WARNING: persistence is disabled");
  });

  it("fails with a clear message when no Secret is named outside demo mode", async () => {
    const result = await renderer().render({ credentials: { existingSecret: "" } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain("credentials.existingSecret");
  });
});
