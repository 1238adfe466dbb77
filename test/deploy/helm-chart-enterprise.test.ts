// The chart behind TLS and basic auth, with workload identity, a client certificate, a proxy, and
// the hooks enterprise installs need (names, namespace, extra volumes, env and manifests), rendered
// by the real helm template.
import { describe, expect, it } from "vitest";
import { checkBundle, labelsOf } from "./support/bundle-checks.js";
import { bundleOf, ciValues, DEFAULT_BUNDLE, TWO_TENANTS } from "./support/chart.js";
import { schemaErrors } from "./support/chart-values.js";
import { renderObjects, useRenderer } from "./support/helm.js";
import { type KubeObject, ofKind, onlyOne } from "./support/kubernetes.js";

const renderer = useRenderer();
const SECRETS = "/etc/partner-center-exporter/secrets";
const WEB = "/etc/partner-center-exporter/web";

const EXPECT = DEFAULT_BUNDLE;

async function renderOk(values: object): Promise<KubeObject[]> {
  expect(schemaErrors(values)).toEqual([]);
  return (await renderObjects(renderer(), values, { name: "pce", namespace: "monitoring" }))
    .objects;
}

async function renderError(values: object, skipSchemaValidation = false): Promise<string> {
  const result = await renderer().render(values, { skipSchemaValidation });
  if (result.ok) throw new Error("rendered, expected a failure");
  return result.error;
}

function podOf(objects: readonly KubeObject[]) {
  const pod = onlyOne(objects, "Deployment").spec?.template;
  const container = pod?.spec?.containers[0];
  if (pod?.spec === undefined || container === undefined) throw new Error("no pod");
  return { labels: pod.metadata?.labels ?? {}, spec: pod.spec, container };
}

const envOf = (objects: readonly KubeObject[]) =>
  Object.fromEntries((podOf(objects).container.env ?? []).map((e) => [e.name, e]));

function testPod(objects: readonly KubeObject[]) {
  const pod = onlyOne(objects, "Pod");
  const container = pod.spec?.containers[0];
  if (container === undefined) throw new Error("no test container");
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
  return { pod, container, env };
}

describe("Helm chart with TLS and basic auth (webConfig)", () => {
  it("mounts the web config, probes the port, scrapes over https and tests with the CA (ci/tls-values.yaml)", async () => {
    const values = ciValues("tls-values.yaml");
    const objects = await renderOk(values);
    expect(checkBundle(objects, { ...EXPECT, web: { tls: true, probes: "tcpSocket" } })).toEqual(
      [],
    );

    const { spec, container } = podOf(objects);
    expect(container.args).toEqual([`--web.config.file=${WEB}/web-config.yml`]);
    expect(container.volumeMounts).toContainEqual({
      name: "web-config",
      mountPath: WEB,
      readOnly: true,
    });
    expect(spec.volumes).toContainEqual({
      name: "web-config",
      secret: { secretName: "pce-web", defaultMode: 0o440 },
    });
    // Basic auth: the kubelet cannot send credentials, so it only opens the port.
    expect(container.livenessProbe?.tcpSocket).toEqual({ port: "http" });
    expect(container.readinessProbe?.tcpSocket).toEqual({ port: "http" });
    expect(container.livenessProbe?.httpGet).toBeUndefined();

    const endpoint = onlyOne(objects, "ServiceMonitor").spec.endpoints?.[0];
    expect(endpoint).toMatchObject({
      port: "http",
      scheme: "https",
      tlsConfig: {
        ca: { secret: { name: "pce-web", key: "ca.crt" } },
        serverName: "pce-licence-exporter.partner-center.svc",
      },
      basicAuth: {
        username: { name: "pce-scrape", key: "username" },
        password: { name: "pce-scrape", key: "password" },
      },
    });

    // The helm test scrapes as Prometheus does: https, the CA (and nothing else) of the web
    // config's Secret, the ServiceMonitor's basic auth keys.
    const { pod, env } = testPod(objects);
    expect(pod.metadata?.annotations?.["helm.sh/hook"]).toBe("test");
    const scrape = (key: string) => ({ valueFrom: { secretKeyRef: { name: "pce-scrape", key } } });
    expect(env).toMatchObject({
      METRICS_URL: { value: "https://pce-licence-exporter.partner-center.svc:9841/metrics" },
      NODE_EXTRA_CA_CERTS: { value: "/etc/partner-center-exporter/ca/ca.crt" },
      BASIC_AUTH_USERNAME: scrape("username"),
      BASIC_AUTH_PASSWORD: scrape("password"),
    });
    expect(env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
    expect(pod.spec?.volumes).toEqual([
      {
        name: "ca",
        secret: {
          secretName: "pce-web",
          defaultMode: 0o440,
          items: [{ key: "ca.crt", path: "ca.crt" }],
        },
      },
    ]);
  });

  it("puts every object in namespaceOverride and names them after nameOverride (ci/tls-values.yaml)", async () => {
    const objects = await renderOk(ciValues("tls-values.yaml"));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ConfigMap/pce-licence-exporter-dashboard",
      "Deployment/pce-licence-exporter",
      "NetworkPolicy/pce-licence-exporter",
      "PersistentVolumeClaim/pce-licence-exporter-state",
      "Pod/pce-licence-exporter-test",
      "PrometheusRule/pce-licence-exporter",
      "Service/pce-licence-exporter",
      "ServiceAccount/pce-licence-exporter",
      "ServiceMonitor/pce-licence-exporter",
    ]);
    expect(objects.map((o) => o.metadata.namespace)).toEqual(objects.map(() => "partner-center"));
    const monitor = onlyOne(objects, "ServiceMonitor");
    expect(monitor.spec.namespaceSelector?.matchNames).toEqual(["partner-center"]);
    // The job label stays what the alert rules expect.
    for (const object of objects.filter((o) => o.kind !== "Pod")) {
      expect(labelsOf(object)["app.kubernetes.io/name"], object.kind).toBe(
        "partner-center-exporter",
      );
    }
  });

  it("probes over HTTPS with TLS alone, and the ServiceMonitor and helm test follow", async () => {
    const objects = await renderOk({ webConfig: { existingSecret: "pce-web", tls: true } });
    expect(checkBundle(objects, { ...EXPECT, web: { tls: true, probes: "httpGet" } })).toEqual([]);
    const { container } = podOf(objects);
    expect(container.livenessProbe?.httpGet).toEqual({
      path: "/healthz",
      port: "http",
      scheme: "HTTPS",
    });
    expect(container.readinessProbe?.httpGet).toEqual({
      path: "/readyz",
      port: "http",
      scheme: "HTTPS",
    });
    const endpoint = onlyOne(objects, "ServiceMonitor").spec.endpoints?.[0];
    expect(endpoint?.scheme).toBe("https");
    expect(endpoint?.tlsConfig).toBeUndefined();
    const { pod, env } = testPod(objects);
    expect(env.METRICS_URL?.value).toMatch(/^https:\/\//);
    // No tests.caKey: not verified, as curl --insecure.
    expect(env.NODE_TLS_REJECT_UNAUTHORIZED?.value).toBe("0");
    expect(pod.spec?.volumes).toBeUndefined();
  });

  it("keeps plain HTTP probes with a web config of basic auth headers only", async () => {
    const objects = await renderOk({ webConfig: { existingSecret: "pce-web" } });
    expect(checkBundle(objects, { ...EXPECT, web: { tls: false, probes: "httpGet" } })).toEqual([]);
    expect(podOf(objects).container.readinessProbe?.httpGet?.scheme).toBeUndefined();
    expect(onlyOne(objects, "ServiceMonitor").spec.endpoints?.[0]?.scheme).toBeUndefined();
  });

  it("passes serviceMonitor.scheme through over the derived one", async () => {
    const objects = await renderOk({
      webConfig: { existingSecret: "pce-web", tls: true },
      serviceMonitor: { scheme: "http" },
    });
    expect(onlyOne(objects, "ServiceMonitor").spec.endpoints?.[0]?.scheme).toBe("http");
  });

  it("catches probes and a ServiceMonitor that do not speak the exporter's scheme", async () => {
    const objects = await renderOk({ webConfig: { existingSecret: "pce-web", tls: true } });
    const asPlain = checkBundle(objects, EXPECT).join("\n");
    expect(asPlain).toContain("livenessProbe scheme HTTPS, the exporter serves HTTP");
    expect(asPlain).toContain("ServiceMonitor scheme https, the exporter serves HTTP");
    expect(asPlain).toContain("serves with a web config");
    const plain = await renderOk({});
    const asTls = checkBundle(plain, { ...EXPECT, web: { tls: true, probes: "httpGet" } });
    expect(asTls.join("\n")).toContain("expected one web config file, found 0");
    expect(asTls.join("\n")).toContain("fetches http://");
  });

  it.each([
    ["tls without a Secret", { webConfig: { tls: true } }],
    ["tcpSocket probes without a Secret", { webConfig: { probes: "tcpSocket" } }],
  ])("refuses %s, in the schema and in the template", async (_what, values) => {
    expect(schemaErrors(values).join("\n")).toContain("/webConfig/existingSecret");
    expect(await renderError(values)).toContain("webConfig.existingSecret");
    expect(await renderError(values, true)).toContain(
      "webConfig.tls and webConfig.probes describe the web config",
    );
  });

  it.each([
    ["an unknown probe kind", { webConfig: { existingSecret: "w", probes: "exec" } }, "probes"],
    ["an upper-case scheme", { serviceMonitor: { scheme: "HTTPS" } }, "scheme"],
    [
      "basic auth without a key",
      { serviceMonitor: { basicAuth: { username: { name: "pce-scrape" } } } },
      "basicAuth.username",
    ],
    ["a misspelt webConfig key", { webConfig: { existingSecrets: "w" } }, "webConfig"],
  ])("rejects %s", async (_what, values, field) => {
    expect(schemaErrors(values)).not.toEqual([]);
    expect(await renderError(values)).toContain(field);
  });
});

describe("Helm chart credentials", () => {
  it("uses AKS workload identity without a client secret (ci/workload-identity-values.yaml)", async () => {
    const objects = await renderOk(ciValues("workload-identity-values.yaml"));
    expect(checkBundle(objects, { ...EXPECT, auth: "workloadIdentity" })).toEqual([]);
    const { labels, spec } = podOf(objects);
    expect(labels).toMatchObject({ "azure.workload.identity/use": "true", team: "licences" });
    const env = envOf(objects);
    // The webhook injects these: the chart sets none of them.
    for (const injected of [
      "AZURE_TENANT_ID",
      "AZURE_CLIENT_ID",
      "AZURE_FEDERATED_TOKEN_FILE",
      "AZURE_AUTHORITY_HOST",
      "AZURE_CLIENT_SECRET",
      "AZURE_CLIENT_SECRET_FILE",
    ]) {
      expect(env[injected], injected).toBeUndefined();
    }
    expect(env.PARTNER_CENTER_REFRESH_TOKEN_FILE?.value).toBe(`${SECRETS}/refresh-token`);
    const secret = spec.volumes?.find((v) => v.name === "credentials")?.secret;
    expect(secret?.secretName).toBe("pce-refresh-token");
    expect(secret?.items).toEqual([{ key: "refresh-token", path: "refresh-token" }]);
    const account = onlyOne(objects, "ServiceAccount");
    expect(account.metadata?.annotations).toEqual({
      "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000000",
      "azure.workload.identity/tenant-id": "contoso.onmicrosoft.com",
    });
    expect(labelsOf(account)).toMatchObject({ "azure.workload.identity/use": "true" });
    expect(spec.serviceAccountName).toBe(account.metadata?.name);
  });

  it("refuses workload identity without the client id on the ServiceAccount, or with tenants", async () => {
    const values = { credentials: { mode: "workloadIdentity" } };
    expect(await renderError(values)).toContain(
      "set serviceAccount.annotations.azure.workload.identity/client-id",
    );
    const withTenants = {
      ...TWO_TENANTS,
      credentials: { mode: "workloadIdentity" },
      serviceAccount: { annotations: { "azure.workload.identity/client-id": "x" } },
    };
    expect(await renderError(withTenants)).toContain(
      "credentials.mode workloadIdentity and tenants",
    );
    // An existing ServiceAccount is the operator's to annotate.
    const existing = await renderOk({
      ...values,
      serviceAccount: { create: false, name: "workload-identity" },
    });
    expect(
      checkBundle(existing, { ...EXPECT, auth: "workloadIdentity", serviceAccountCreated: false }),
    ).toEqual([]);
  });

  it("signs with a client certificate instead of a secret (ci/client-certificate-values.yaml)", async () => {
    const objects = await renderOk(ciValues("client-certificate-values.yaml"));
    expect(checkBundle(objects, { ...EXPECT, auth: "clientCertificate" })).toEqual([]);
    const env = envOf(objects);
    expect(env.AZURE_CLIENT_CERTIFICATE_PATH?.value).toBe(`${SECRETS}/app.pem`);
    expect(env.AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE?.value).toBe(`${SECRETS}/app.pem.password`);
    expect(env.AZURE_CLIENT_SECRET_FILE).toBeUndefined();
    expect(env.AZURE_TENANT_ID?.valueFrom?.secretKeyRef).toEqual({
      name: "pce-certificate",
      key: "tenant-id",
    });
    const secret = podOf(objects).spec.volumes?.find((v) => v.name === "credentials")?.secret;
    expect(secret?.items?.map((i) => i.key)).toEqual([
      "app.pem",
      "app.pem.password",
      "refresh-token",
    ]);

    // An unencrypted key: no password file.
    const plainKey = envOf(await renderOk({ credentials: { mode: "clientCertificate" } }));
    expect(plainKey.AZURE_CLIENT_CERTIFICATE_PATH?.value).toBe(`${SECRETS}/client-certificate`);
    expect(plainKey.AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE).toBeUndefined();
  });

  it("lets one tenant use a certificate while the other keeps its secret", async () => {
    const tenants = (TWO_TENANTS as { tenants: object[] }).tenants;
    const objects = await renderOk({
      ...TWO_TENANTS,
      tenants: [
        tenants[0],
        {
          name: "fabrikam",
          credentials: {
            existingSecret: "pce-fabrikam",
            mode: "clientCertificate",
            keys: { clientCertificate: "fabrikam.pem" },
          },
        },
      ],
    });
    expect(checkBundle(bundleOf(objects, "contoso"), EXPECT)).toEqual([]);
    const fabrikam = bundleOf(objects, "fabrikam");
    expect(checkBundle(fabrikam, { ...EXPECT, auth: "clientCertificate" })).toEqual([]);
    expect(envOf(fabrikam).AZURE_CLIENT_CERTIFICATE_PATH?.value).toBe(`${SECRETS}/fabrikam.pem`);
    expect(
      schemaErrors({
        tenants: [
          { ...tenants[0], credentials: { existingSecret: "a", mode: "workloadIdentity" } },
        ],
      }).join(),
    ).toContain("/tenants/0/credentials/mode");
  });

  it("catches a client secret left beside the certificate", async () => {
    const objects = await renderOk({
      credentials: { mode: "clientCertificate" },
      extraEnv: [{ name: "AZURE_CLIENT_SECRET_FILE", value: `${SECRETS}/client-secret` }],
    });
    expect(checkBundle(objects, { ...EXPECT, auth: "clientCertificate" }).join("\n")).toContain(
      "AZURE_CLIENT_SECRET is set, which clientCertificate does not use",
    );
  });
});

describe("Helm chart extras", () => {
  it("wires a proxy from a Secret and a ConfigMap (ci/workload-identity-values.yaml)", async () => {
    const objects = await renderOk(ciValues("workload-identity-values.yaml"));
    const { container } = podOf(objects);
    const env = envOf(objects);
    expect(env.HTTPS_PROXY?.valueFrom?.secretKeyRef).toEqual({ name: "pce-proxy", key: "url" });
    expect(env.NO_PROXY?.value).toBe(".svc,.cluster.local,10.0.0.0/8");
    expect(container.envFrom).toEqual([{ configMapRef: { name: "pce-proxy-settings" } }]);
    const egress = onlyOne(objects, "NetworkPolicy").spec?.egress ?? [];
    expect(egress.flatMap((r) => (r.ports ?? []).map((p) => p.port))).toContain(3128);
  });

  it("adds volumes, mounts, env sources and manifests through tpl (ci/all-values.yaml)", async () => {
    const objects = await renderOk(ciValues("all-values.yaml"));
    const { spec, container } = podOf(objects);
    expect(spec.volumes).toContainEqual({
      name: "ca-bundle",
      configMap: { name: "pc-exporter-ca-bundle" },
    });
    expect(container.volumeMounts).toContainEqual({
      name: "ca-bundle",
      mountPath: "/etc/ssl/extra",
      readOnly: true,
    });
    expect(container.envFrom).toEqual([
      { configMapRef: { name: "pce-settings" } },
      { secretRef: { name: "pce-proxy", optional: true } },
    ]);
    // The object's strings and the string went through tpl: names and namespace resolved.
    const maps = ofKind(objects, "ConfigMap");
    const bundle = maps.find((m) => m.metadata?.name === "pc-exporter-ca-bundle");
    expect(bundle?.metadata?.namespace).toBe("licences");
    expect(bundle?.data?.["ca.crt"]).toContain("BEGIN CERTIFICATE");
    const settings = maps.find((m) => m.metadata?.name === "pce-settings");
    expect(settings?.metadata?.namespace).toBe("licences");
    expect(labelsOf(settings)).toMatchObject({ "app.kubernetes.io/instance": "pce" });
    expect(settings?.data).toEqual({ PARTNER_CENTER_LOCALE: "en-GB" });
    // namespaceOverride everywhere but the dashboard, which has its own namespace.
    for (const object of objects) {
      const expected = object.metadata.name.endsWith("-dashboard") ? "grafana" : "licences";
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(expected);
    }
    expect(labelsOf(onlyOne(objects, "ServiceAccount"))).toMatchObject({ team: "licences" });
    expect(ofKind(objects, "Pod")).toEqual([]);
  });

  it("gives every tenant its own helm test, let in by its own NetworkPolicy", async () => {
    const objects = await renderOk(TWO_TENANTS);
    for (const tenant of ["contoso", "fabrikam"]) {
      const bundle = bundleOf(objects, tenant);
      expect(checkBundle(bundle, EXPECT), tenant).toEqual([]);
      expect(testPod(bundle).env.METRICS_URL?.value).toBe(
        `http://pce-partner-center-exporter-${tenant}.monitoring.svc:9841/metrics`,
      );
    }
  });

  it("catches a helm test the NetworkPolicy shuts out or the Service selects", async () => {
    const objects = await renderOk({});
    const policy = onlyOne(objects, "NetworkPolicy");
    const shut = structuredClone(objects).map((o) =>
      o.kind === "NetworkPolicy"
        ? { ...policy, spec: { ...policy.spec, ingress: policy.spec?.ingress?.slice(0, 1) } }
        : o,
    ) as KubeObject[];
    expect(checkBundle(shut, EXPECT).join("\n")).toContain(
      "shuts out Pod pce-partner-center-exporter-test",
    );
    const selected = structuredClone(objects);
    const pod = onlyOne(selected, "Pod");
    if (pod.metadata)
      pod.metadata.labels = {
        ...pod.metadata.labels,
        ...onlyOne(selected, "Service").spec?.selector,
      };
    expect(checkBundle(selected, EXPECT).join("\n")).toContain("the Service selects Pod");
  });

  it("rejects extraManifests that are neither objects nor strings, and unnamed volumes", () => {
    expect(schemaErrors({ extraManifests: [42] }).join()).toContain("/extraManifests/0");
    expect(schemaErrors({ extraVolumes: [{ emptyDir: {} }] }).join()).toContain("/extraVolumes/0");
    expect(
      schemaErrors({ extraVolumeMounts: [{ name: "x", mountPath: "relative" }] }).join(),
    ).toContain("/extraVolumeMounts/0/mountPath");
  });
});
