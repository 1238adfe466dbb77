// The chart rendered by the real helm template, with the defaults and with other values.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.js";
import { type BundleExpectations, checkBundle, labelsOf } from "./support/bundle-checks.js";
import { CUSTOM_VALUES, DEMO_VALUES, DIGEST } from "./support/chart.js";
import { renderObjects, useRenderer } from "./support/helm.js";
import { kustomize, useKubeTools } from "./support/kube-tools.js";
import { type KubeObject, ofKind, onlyOne, parseManifests } from "./support/kubernetes.js";
import { isRecord, PACKAGE, ROOT } from "./support/repo.js";

const renderer = useRenderer();
const tools = useKubeTools();
const renderOk = (values: object, options: { name?: string; namespace?: string } = {}) =>
  renderObjects(renderer(), values, options);

describe("Helm chart rendered (helm template)", () => {
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
      "Pod/pce-partner-center-exporter-test",
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
    // Without the helm test pod (and the NetworkPolicy's rule for it): kustomize has no tests.
    const { objects } = await renderOk(
      { tests: { enabled: false } },
      { name: "partner-center-exporter" },
    );
    const built = await kustomize(tools().kubectl, `${ROOT}deploy/kubernetes`);
    const plain = parseManifests(built, "kubectl kustomize deploy/kubernetes");
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
      "PARTNER_MAX_SERIES",
      "SUBSCRIPTIONS_REQUESTS_PER_MINUTE",
      "SUBSCRIPTIONS_CUSTOMER_FILTER",
      "SUBSCRIPTIONS_EXCLUDE_OFFERS",
      "AZURE_CLOUD",
    ];
    const defaults = envOf((await renderOk({})).objects);
    expect(defaults.filter((e) => COLLECTOR_ENVS.includes(e.name))).toEqual([]);

    const filter = "serviceCode eq 'o365' and channel eq \"reseller\"";
    const { objects } = await renderOk({
      collectors: ["customer-usage", "customer-deployment", "customer-subscriptions"],
      customer: {
        groupBy: ["customerTenantId", "productId", "productName"],
        filter,
        maxSeries: 1_000_000,
        pageSize: 5000,
      },
      partner: { maxSeries: 2_000_000 },
      subscriptions: {
        requestsPerMinute: 120,
        customerFilter: ["!tenant-a", "!tenant-b"],
        excludeOffers: ["CFQ7TTC0LH18", "DZH318Z0BQ3Q:0001"],
      },
      cloud: "usgov",
    });
    const env = envOf(objects);
    expect(env.filter((e) => COLLECTOR_ENVS.includes(e.name))).toEqual([
      { name: "COLLECTORS", value: "customer-usage,customer-deployment,customer-subscriptions" },
      { name: "CUSTOMER_GROUP_BY", value: "customerTenantId,productId,productName" },
      { name: "CUSTOMER_FILTER", value: filter },
      // Not 1e+06: Helm reads numbers from values files as floats.
      { name: "CUSTOMER_MAX_SERIES", value: "1000000" },
      { name: "CUSTOMER_PAGE_SIZE", value: "5000" },
      { name: "PARTNER_MAX_SERIES", value: "2000000" },
      { name: "SUBSCRIPTIONS_REQUESTS_PER_MINUTE", value: "120" },
      { name: "SUBSCRIPTIONS_CUSTOMER_FILTER", value: "!tenant-a,!tenant-b" },
      { name: "SUBSCRIPTIONS_EXCLUDE_OFFERS", value: "CFQ7TTC0LH18,DZH318Z0BQ3Q:0001" },
      { name: "AZURE_CLOUD", value: "usgov" },
    ]);

    // The exporter accepts what the chart renders.
    const plain = Object.fromEntries(
      env.map((e) => [e.name, e.value ?? `from-secret-${e.valueFrom?.secretKeyRef?.key}`]),
    );
    const result = loadConfig({ argv: [], env: plain, readFile: () => "a-secret\n" });
    if (result.kind !== "run") throw new Error(JSON.stringify(result));
    expect(result.config.collectors.list).toEqual([
      "customer-usage",
      "customer-deployment",
      "customer-subscriptions",
    ]);
    expect(result.config.customer.groupBy).toEqual([
      "customerTenantId",
      "productId",
      "productName",
    ]);
    expect(result.config.customer.filter).toBe(filter);
    expect(result.config.customer.maxSeries).toBe(1_000_000);
    expect(result.config.customer.pageSize).toBe(5000);
    expect(result.config.partner.maxSeries).toBe(2_000_000);
    expect(result.config.subscriptions).toEqual({
      requestsPerMinute: 120,
      customerFilter: ["!tenant-a", "!tenant-b"],
      excludeOffers: ["CFQ7TTC0LH18", "DZH318Z0BQ3Q:0001"],
    });
    expect(result.config.azure.cloud).toBe("usgov");
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

  // The templates check what they depend on themselves: --skip-schema-validation skips the rest.
  it.each([
    [
      "a NetworkPolicy open to all",
      { networkPolicy: { ingressFrom: [] } },
      "networkPolicy.ingressFrom must name who may scrape the exporter",
    ],
    [
      "no Secret outside demo mode",
      { credentials: { existingSecret: "" } },
      "credentials.existingSecret: name the Secret",
    ],
  ])("refuses %s even when the schema is skipped", async (_what, values, message) => {
    const result = await renderer().render(values, { skipSchemaValidation: true });
    expect(!result.ok && result.error).toContain(message);
  });
});
