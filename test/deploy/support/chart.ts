// What the chart's tests share: example values, and how to cut a render into tenants' bundles.
import { type BundleExpectations, labelsOf } from "./bundle-checks.js";
import { CHART } from "./chart-values.js";
import type { KubeObject } from "./kubernetes.js";
import { isRecord, PACKAGE, parseYaml, readText } from "./repo.js";

export const TENANT_LABEL = "partner-center-exporter/tenant";

/** One tenant's objects plus the shared ones (those without a tenant label). */
export function bundleOf(objects: readonly KubeObject[], tenant: string): KubeObject[] {
  return objects.filter((o) => {
    const label = labelsOf(o)[TENANT_LABEL];
    return label === undefined || label === tenant;
  });
}

/** What the chart's defaults render: one exporter with a client secret, its claim and account. */
export const DEFAULT_BUNDLE: BundleExpectations = {
  demo: false,
  state: "claim",
  serviceAccountCreated: true,
  imageTag: PACKAGE.version,
};

export const DIGEST = `sha256:${"a".repeat(64)}`;

/** Everything an operator may change, changed. */
export const CUSTOM_VALUES = {
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

/** A values file of the chart's ci/ folder (chart-testing's convention), parsed. */
export function ciValues(file: string): object {
  const values = parseYaml(readText(`${CHART}/ci/${file}`), `ci/${file}`);
  if (!isRecord(values)) throw new Error(`ci/${file}: not a map of values`);
  return values;
}

/** The smallest install: demo mode and nothing optional. */
export const DEMO_VALUES = ciValues("demo-values.yaml");

/** Two tenants; the second overrides what a tenant may, its Secret's key names included. */
export const TWO_TENANTS = ciValues("tenants-values.yaml");
