import { isDeepStrictEqual } from "node:util";
import type { IContainer as Container } from "kubernetes-models/v1/Container";
import type { IProbe as Probe } from "kubernetes-models/v1/Probe";
import type { IVolume as Volume } from "kubernetes-models/v1/Volume";
import { DEFAULT_PORT } from "../../../src/config/settings.js";
import { type KubeObject, ofKind, onlyOne, selects } from "./kubernetes.js";
import {
  DASHBOARD_FILE,
  expectedJobName,
  isRecord,
  parseYaml,
  REQUIRED_ENVS,
  RULES_FILE,
  readText,
  SECRET_ENVS,
  SETTING_ENVS,
  settingDefault,
} from "./repo.js";

/** How the app registration authenticates (exactly one, as the spec says). */
export type AppAuth = "clientSecret" | "clientCertificate" | "workloadIdentity";

/** The exporter serves with --web.config.file: TLS or not, and how the kubelet probes it. */
export interface WebExpectations {
  readonly tls: boolean;
  /** tcpSocket when the web config asks for credentials the kubelet cannot send. */
  readonly probes: "httpGet" | "tcpSocket";
}

export interface BundleExpectations {
  /** DEMO=true: no credentials at all. */
  readonly demo: boolean;
  /** Where STATE_DIR lives: a claim in the bundle, a claim made elsewhere, or an emptyDir. */
  readonly state: "claim" | "existing-claim" | "ephemeral";
  /** The ServiceAccount is created with the bundle (else it exists already). */
  readonly serviceAccountCreated: boolean;
  /** The image's tag (undefined: pinned by digest). */
  readonly imageTag: string | undefined;
  /** Unset: clientSecret. */
  readonly auth?: AppAuth;
  /** Unset: plain HTTP, no web config. */
  readonly web?: WebExpectations;
}

/** What each way of authenticating needs set (NAME or NAME_FILE), and what it must not set. */
const CREDENTIALS: Readonly<Record<AppAuth, { required: string[]; forbidden: string[] }>> = {
  clientSecret: {
    required: ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"],
    forbidden: ["AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE"],
  },
  clientCertificate: {
    required: ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH"],
    forbidden: ["AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE"],
  },
  // The webhook injects the ids (from the ServiceAccount) and the federated token file.
  workloadIdentity: {
    required: [],
    forbidden: [
      "AZURE_TENANT_ID",
      "AZURE_CLIENT_ID",
      "AZURE_CLIENT_SECRET",
      "AZURE_CLIENT_CERTIFICATE_PATH",
      "AZURE_FEDERATED_TOKEN_FILE",
    ],
  },
};
/** The settings that make up the credentials: all from one Secret. */
const CREDENTIAL_ENVS = new Set([
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "PARTNER_CENTER_REFRESH_TOKEN",
]);
/** Settings that hold a path to a secret file, as *_FILE do. */
const SECRET_PATH_ENVS = new Set(["AZURE_CLIENT_CERTIFICATE_PATH"]);
const WORKLOAD_IDENTITY_USE = "azure.workload.identity/use";
const WORKLOAD_IDENTITY_CLIENT_ID = "azure.workload.identity/client-id";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Cross-checks what the schemas cannot see: the objects must fit each other and the exporter's
 * configuration (ports, probe paths, selectors, secret keys and *_FILE paths, STATE_DIR). Returns
 * one line per problem.
 */
export function checkBundle(objects: readonly KubeObject[], expect: BundleExpectations): string[] {
  const problems: string[] = [];
  const fail = (message: string): void => {
    problems.push(message);
  };

  for (const object of objects) {
    const name = object.metadata.name;
    const pattern =
      object.kind === "ConfigMap" || object.kind === "Secret" ? DNS_SUBDOMAIN : DNS_LABEL;
    if (!pattern.test(name) || name.length > 63) fail(`${object.kind} ${name}: invalid name`);
  }

  const deployment = onlyOne(objects, "Deployment");
  const spec = deployment.spec;
  if (spec === undefined) return [...problems, "Deployment without spec"];
  if (spec.replicas !== 1) fail(`Deployment replicas ${spec.replicas}: one poller per tenant`);
  if (spec.strategy?.type !== "Recreate") fail("Deployment strategy must be Recreate (RWO state)");
  const podLabels = spec.template.metadata?.labels;
  if (!selects(spec.selector.matchLabels, podLabels)) {
    fail("Deployment selector does not match its pod labels");
  }
  const pod = spec.template.spec;
  if (pod === undefined) return [...problems, "Deployment without a pod spec"];
  const [container, ...others] = pod.containers;
  if (container === undefined || others.length > 0) return [...problems, "expected one container"];

  // Image.
  const image = container.image ?? "";
  if (expect.imageTag === undefined) {
    if (!/@sha256:[a-f0-9]{64}$/.test(image)) fail(`image ${image} is not pinned by digest`);
  } else if (!image.endsWith(`:${expect.imageTag}`)) {
    fail(`image ${image} does not have tag ${expect.imageTag}`);
  }

  // Port and probes.
  const port = container.ports?.find((p) => p.name === "http");
  if (port?.containerPort !== DEFAULT_PORT) {
    fail(`container port "http" must be ${DEFAULT_PORT} (the exporter's default)`);
  }
  const scheme = expect.web?.tls === true ? "HTTPS" : "HTTP";
  const probeProblem = (probe: Probe | undefined, path: string, what: string): void => {
    if (expect.web?.probes === "tcpSocket") {
      const port = probe?.tcpSocket?.port;
      if (probe?.httpGet !== undefined || (port !== "http" && port !== DEFAULT_PORT)) {
        fail(
          `${what} must only open the metrics port (tcpSocket): the kubelet cannot authenticate`,
        );
      }
      return;
    }
    const get = probe?.httpGet;
    if (get?.path !== path) fail(`${what} must GET ${path}, has ${get?.path}`);
    if (get !== undefined && get.port !== "http" && get.port !== DEFAULT_PORT) {
      fail(`${what} port ${get.port} is not the metrics port`);
    }
    if (get !== undefined && (get.scheme ?? "HTTP") !== scheme) {
      fail(`${what} scheme ${get.scheme ?? "HTTP"}, the exporter serves ${scheme}`);
    }
  };
  probeProblem(container.livenessProbe, "/healthz", "livenessProbe");
  probeProblem(container.readinessProbe, "/readyz", "readinessProbe");

  // Security.
  const podSecurity = pod.securityContext;
  const security = container.securityContext;
  if (podSecurity?.runAsNonRoot !== true && security?.runAsNonRoot !== true) {
    fail("runAsNonRoot is not set");
  }
  if (podSecurity?.runAsUser === 0 || security?.runAsUser === 0) fail("runs as uid 0");
  if (security?.readOnlyRootFilesystem !== true) fail("readOnlyRootFilesystem is not true");
  if (security?.allowPrivilegeEscalation !== false) fail("allowPrivilegeEscalation is not false");
  if (security?.privileged === true) fail("privileged container");
  if (!(security?.capabilities?.drop ?? []).includes("ALL")) fail("capabilities do not drop ALL");
  if ((security?.capabilities?.add ?? []).length > 0) fail("capabilities added");
  const seccomp = security?.seccompProfile?.type ?? podSecurity?.seccompProfile?.type;
  if (seccomp !== "RuntimeDefault") fail(`seccompProfile is ${seccomp}, not RuntimeDefault`);
  if (pod.automountServiceAccountToken !== false) fail("the pod mounts a service account token");
  if (pod.hostNetwork === true || pod.hostPID === true) fail("host namespaces are shared");

  // Resources.
  for (const level of ["requests", "limits"] as const) {
    for (const resource of ["cpu", "memory"]) {
      if (container.resources?.[level]?.[resource] === undefined) {
        fail(`resources.${level}.${resource} is not set`);
      }
    }
  }

  problems.push(...checkEnvironment(objects, container, pod.volumes ?? [], expect));
  problems.push(...checkState(objects, container, pod.volumes ?? [], expect));
  problems.push(...checkWebConfig(container, pod.volumes ?? [], expect));

  if (expect.auth === "workloadIdentity" && podLabels?.[WORKLOAD_IDENTITY_USE] !== "true") {
    fail(`workload identity: the pod lacks the label ${WORKLOAD_IDENTITY_USE}: "true"`);
  }

  // Service account.
  const accounts = ofKind(objects, "ServiceAccount");
  if (expect.serviceAccountCreated) {
    const account = accounts.find((a) => a.metadata?.name === pod.serviceAccountName);
    if (account === undefined) fail(`no ServiceAccount ${pod.serviceAccountName} in the bundle`);
    else if (account.automountServiceAccountToken !== false) {
      fail("the ServiceAccount automounts its token");
    } else if (
      expect.auth === "workloadIdentity" &&
      account.metadata?.annotations?.[WORKLOAD_IDENTITY_CLIENT_ID] === undefined
    ) {
      fail(`workload identity: the ServiceAccount lacks ${WORKLOAD_IDENTITY_CLIENT_ID}`);
    }
  } else if (accounts.length > 0) {
    fail("a ServiceAccount is created although an existing one is used");
  }

  // Service.
  const service = onlyOne(objects, "Service");
  if (!selects(service.spec?.selector, podLabels)) {
    fail("Service selector does not match the pod labels");
  }
  const servicePort = service.spec?.ports?.find((p) => p.name === "http");
  if (servicePort === undefined) fail('Service has no port named "http"');
  else if (servicePort.targetPort !== "http" && servicePort.targetPort !== DEFAULT_PORT) {
    fail(`Service targetPort ${servicePort.targetPort} is not the container's port`);
  }

  // ServiceMonitor: selects the Service, scrapes its port, and yields the job the rules expect.
  for (const monitor of ofKind(objects, "ServiceMonitor")) {
    if (!selects(monitor.spec.selector.matchLabels, service.metadata?.labels)) {
      fail("ServiceMonitor selector does not match the Service labels");
    }
    const names = monitor.spec.namespaceSelector?.matchNames;
    if (names !== undefined && !names.includes(service.metadata?.namespace ?? "")) {
      fail(`ServiceMonitor looks in ${names.join(",")}, not the Service's namespace`);
    }
    const jobLabel = monitor.spec.jobLabel;
    const job =
      jobLabel === undefined ? service.metadata?.name : service.metadata?.labels?.[jobLabel];
    if (job !== expectedJobName()) {
      fail(`ServiceMonitor yields job="${job}", the alert rules expect "${expectedJobName()}"`);
    }
    for (const endpoint of monitor.spec.endpoints ?? []) {
      if ((endpoint.scheme ?? "http").toUpperCase() !== scheme) {
        fail(`ServiceMonitor scheme ${endpoint.scheme ?? "http"}, the exporter serves ${scheme}`);
      }
      if (endpoint.port !== servicePort?.name) {
        fail(`ServiceMonitor endpoint port ${endpoint.port} is not a Service port name`);
      }
      if ((endpoint.path ?? "/metrics") !== settingDefault("WEB_TELEMETRY_PATH")) {
        fail(`ServiceMonitor path ${endpoint.path} is not the exporter's telemetry path`);
      }
    }
  }

  // NetworkPolicy: applies to the pod, admits scrapes, lets DNS and HTTPS out.
  for (const policy of ofKind(objects, "NetworkPolicy")) {
    const npSpec = policy.spec;
    if (!selects(npSpec?.podSelector.matchLabels, podLabels)) {
      fail("NetworkPolicy podSelector does not match the pod labels");
    }
    const types = npSpec?.policyTypes ?? [];
    if (!types.includes("Ingress") || !types.includes("Egress")) {
      fail("NetworkPolicy must restrict both Ingress and Egress");
    }
    const admitsScrapes = (npSpec?.ingress ?? []).some(
      (rule) =>
        (rule.from ?? []).length > 0 &&
        (rule.ports ?? []).some((p) => p.port === "http" || p.port === DEFAULT_PORT),
    );
    if (!admitsScrapes)
      fail("NetworkPolicy admits no scrapes of the metrics port from named peers");
    const egressPorts = (npSpec?.egress ?? []).flatMap((rule) =>
      (rule.ports ?? []).map((p) => `${p.port}/${p.protocol ?? "TCP"}`),
    );
    for (const needed of expect.demo ? ["53/UDP", "53/TCP"] : ["53/UDP", "53/TCP", "443/TCP"]) {
      if (!egressPorts.includes(needed)) fail(`NetworkPolicy egress lacks ${needed}`);
    }
  }

  problems.push(...checkTestPods(objects, expect));

  // The rules and the dashboard come from their one source.
  for (const rule of ofKind(objects, "PrometheusRule")) {
    // Key order aside (kustomize sorts keys): the same groups, rules and values.
    if (!isDeepStrictEqual(rule.spec, parseYaml(readText(RULES_FILE), RULES_FILE))) {
      fail(`PrometheusRule ${rule.metadata?.name} differs from ${RULES_FILE}`);
    }
  }
  for (const map of ofKind(objects, "ConfigMap")) {
    const json = map.data?.["partner-center-exporter.json"];
    if (json === undefined) continue;
    if (json.trimEnd() !== readText(DASHBOARD_FILE).trimEnd()) {
      fail(`ConfigMap ${map.metadata?.name} differs from ${DASHBOARD_FILE}`);
    }
  }

  // One namespace for the namespaced objects that name one (the dashboard may live elsewhere).
  const namespaces = new Set(
    objects
      .filter((o) => o.kind !== "ConfigMap")
      .map((o) => o.metadata.namespace)
      .filter((n) => n !== undefined),
  );
  if (namespaces.size > 1) fail(`objects in several namespaces: ${[...namespaces].join(", ")}`);
  return problems;
}

/** Env names are the exporter's settings; secrets come from Secret keys and mounted files. */
function checkEnvironment(
  objects: readonly KubeObject[],
  container: Container,
  volumes: readonly Volume[],
  expect: BundleExpectations,
): string[] {
  const problems: string[] = [];
  const env = container.env ?? [];
  const names = env.map((e) => e.name);
  for (const variable of env) {
    const base = variable.name.endsWith("_FILE") ? variable.name.slice(0, -5) : variable.name;
    if (SETTING_ENVS.has(variable.name)) {
      // A setting of its own (AZURE_FEDERATED_TOKEN_FILE), not the _FILE form of one.
    } else if (variable.name.endsWith("_FILE") && !SECRET_ENVS.has(base)) {
      problems.push(`${variable.name}: ${base} is not a secret setting (no _FILE form)`);
    } else if (!SETTING_ENVS.has(base)) {
      problems.push(`${variable.name} is not a setting of the exporter`);
    }
    if (SECRET_ENVS.has(variable.name) && variable.value !== undefined) {
      problems.push(`${variable.name} has its value inline: use ${variable.name}_FILE`);
    }
  }
  if (new Set(names).size !== names.length) problems.push("an env variable is set twice");

  const demo = env.find((e) => e.name === "DEMO")?.value === "true";
  if (demo !== expect.demo) problems.push(`DEMO is ${demo}, expected ${expect.demo}`);
  if (expect.demo) {
    if (names.some((n) => n.startsWith("AZURE_") || n.startsWith("PARTNER_CENTER_REFRESH"))) {
      problems.push("demo mode with credentials configured");
    }
    return problems;
  }
  const auth = expect.auth ?? "clientSecret";
  const isSet = (setting: string) => names.includes(setting) || names.includes(`${setting}_FILE`);
  for (const required of [...CREDENTIALS[auth].required, "PARTNER_CENTER_REFRESH_TOKEN"]) {
    if (!isSet(required)) problems.push(`${required} (or ${required}_FILE) is not set`);
  }
  for (const forbidden of CREDENTIALS[auth].forbidden) {
    if (isSet(forbidden)) problems.push(`${forbidden} is set, which ${auth} does not use`);
  }
  if (auth === "clientSecret" && !REQUIRED_ENVS.every(isSet)) {
    problems.push(`the exporter requires ${REQUIRED_ENVS.join(", ")}`);
  }

  // Every credential comes from one Secret: by secretKeyRef, or as a file of its volume.
  const secretNames = new Set<string>();
  const keys = new Set<string>();
  const credential = (name: string) => CREDENTIAL_ENVS.has(name.replace(/_FILE$/, ""));
  for (const variable of env.filter((e) => credential(e.name))) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref === undefined) continue;
    secretNames.add(ref.name ?? "");
    keys.add(ref.key);
  }
  const secretFiles = env.filter(
    (e) => (e.name.endsWith("_FILE") && !SETTING_ENVS.has(e.name)) || SECRET_PATH_ENVS.has(e.name),
  );
  for (const variable of secretFiles) {
    const path = variable.value ?? "";
    const mount = container.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
    const volume = volumes.find((v) => v.name === mount?.name);
    const secret = volume?.secret;
    if (mount === undefined || secret === undefined) {
      problems.push(`${variable.name}=${path} is not in a mounted Secret volume`);
      continue;
    }
    if (mount.readOnly !== true) problems.push(`the Secret volume ${mount.name} is not read-only`);
    const file = path.slice((mount.mountPath ?? "").length + 1);
    const item = secret.items?.find((i) => i.path === file);
    if (secret.items !== undefined && item === undefined) {
      problems.push(`${variable.name}: ${file} is not an item of Secret volume ${mount.name}`);
    }
    if (credential(variable.name)) {
      secretNames.add(secret.secretName ?? "");
      keys.add(item?.key ?? file);
    }
    const mode = secret.defaultMode ?? 0o644;
    if ((mode & 0o007) !== 0) problems.push(`Secret volume ${mount.name} is world-readable`);
  }
  if (secretNames.size !== 1) {
    problems.push(
      `credentials come from ${secretNames.size} Secrets: ${[...secretNames].join(", ")}`,
    );
  }
  // When the bundle carries the Secret (the example one), its keys are exactly the ones used.
  for (const secret of ofKind(objects, "Secret")) {
    if (!secretNames.has(secret.metadata?.name ?? "")) {
      problems.push(`Secret ${secret.metadata?.name} is not the one the Deployment reads`);
      continue;
    }
    const has = Object.keys({ ...secret.data, ...secret.stringData }).sort();
    if (JSON.stringify(has) !== JSON.stringify([...keys].sort())) {
      problems.push(
        `Secret keys ${has.join(",")} differ from those used: ${[...keys].sort().join(",")}`,
      );
    }
  }
  return problems;
}

/** STATE_DIR is a mounted, writable volume that survives restarts unless told otherwise. */
function checkState(
  objects: readonly KubeObject[],
  container: Container,
  volumes: readonly Volume[],
  expect: BundleExpectations,
): string[] {
  const stateDir = container.env?.find((e) => e.name === "STATE_DIR")?.value;
  if (stateDir === undefined) return ["STATE_DIR is not set"];
  const mount = container.volumeMounts?.find((m) => m.mountPath === stateDir);
  if (mount === undefined) return [`STATE_DIR ${stateDir} is not a volume mount`];
  if (mount.readOnly === true) return [`STATE_DIR ${stateDir} is mounted read-only`];
  const volume = volumes.find((v) => v.name === mount.name);
  const claim = volume?.persistentVolumeClaim?.claimName;
  const claims = ofKind(objects, "PersistentVolumeClaim");
  switch (expect.state) {
    case "ephemeral":
      if (volume?.emptyDir === undefined) return ["STATE_DIR should be an emptyDir"];
      return claims.length > 0 ? ["a PersistentVolumeClaim is created but not used"] : [];
    case "existing-claim":
      if (claim === undefined) return ["STATE_DIR is not a PersistentVolumeClaim"];
      return claims.length > 0
        ? ["a PersistentVolumeClaim is created besides the existing one"]
        : [];
    case "claim": {
      const pvc = claims.find((c) => c.metadata?.name === claim);
      if (pvc === undefined) return [`STATE_DIR's claim ${claim} is not in the bundle`];
      return pvc.spec?.accessModes?.includes("ReadWriteOnce") === true ||
        pvc.spec?.accessModes?.includes("ReadWriteOncePod") === true
        ? []
        : ["the state claim is not ReadWriteOnce"];
    }
  }
}

/** The labels of a rendered object, for assertions in the tests. */
export function labelsOf(object: unknown): Readonly<Record<string, string>> {
  if (!isRecord(object) || !isRecord(object.metadata) || !isRecord(object.metadata.labels))
    return {};
  return object.metadata.labels as Record<string, string>;
}

/** --web.config.file names a file of a read-only Secret volume, and only when one is expected. */
function checkWebConfig(
  container: Container,
  volumes: readonly Volume[],
  expect: BundleExpectations,
): string[] {
  const flag = "--web.config.file=";
  const paths = [...(container.command ?? []), ...(container.args ?? [])]
    .filter((a) => a.startsWith(flag))
    .map((a) => a.slice(flag.length));
  const fromEnv = container.env?.find((e) => e.name === "WEB_CONFIG_FILE")?.value;
  if (fromEnv !== undefined) paths.push(fromEnv);
  if (expect.web === undefined) {
    return paths.length > 0
      ? [`serves with a web config (${paths.join(", ")}), none expected`]
      : [];
  }
  const [path, ...more] = paths;
  if (path === undefined || more.length > 0)
    return [`expected one web config file, found ${paths.length}`];
  const mount = container.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
  const secret = volumes.find((v) => v.name === mount?.name)?.secret;
  if (mount === undefined || secret === undefined) {
    return [`web config ${path} is not in a mounted Secret volume`];
  }
  const problems: string[] = [];
  if (mount.readOnly !== true)
    problems.push(`the web config volume ${mount.name} is not read-only`);
  if (((secret.defaultMode ?? 0o644) & 0o007) !== 0) {
    problems.push(`the web config volume ${mount.name} is world-readable`);
  }
  return problems;
}

/** The helm test pods: scrape the Service as Prometheus does, and are let in to do it. */
function checkTestPods(objects: readonly KubeObject[], expect: BundleExpectations): string[] {
  const problems: string[] = [];
  const service = onlyOne(objects, "Service");
  const port = service.spec?.ports?.find((p) => p.name === "http")?.port;
  const scheme = expect.web?.tls === true ? "https:" : "http:";
  for (const pod of ofKind(objects, "Pod")) {
    const name = pod.metadata?.name;
    const labels = pod.metadata?.labels;
    if (pod.metadata?.annotations?.["helm.sh/hook"] !== "test") {
      problems.push(`Pod ${name} is not a helm test hook`);
    }
    if (selects(service.spec?.selector, labels)) problems.push(`the Service selects Pod ${name}`);
    const [container] = pod.spec?.containers ?? [];
    const env = new Map((container?.env ?? []).map((e) => [e.name, e.value]));
    const url = new URL(env.get("METRICS_URL") ?? "invalid:");
    const host = `${service.metadata?.name}.${service.metadata?.namespace}.svc`;
    if (url.protocol !== scheme || url.hostname !== host || url.port !== String(port)) {
      problems.push(`Pod ${name} fetches ${url.href}, not ${scheme}//${host}:${port}`);
    }
    if (url.pathname !== settingDefault("WEB_TELEMETRY_PATH")) {
      problems.push(`Pod ${name} fetches ${url.pathname}, not the telemetry path`);
    }
    if (expect.web?.tls === true) {
      const ca = env.get("NODE_EXTRA_CA_CERTS");
      const mounted = container?.volumeMounts?.some((m) => ca?.startsWith(`${m.mountPath}/`));
      if (env.get("NODE_TLS_REJECT_UNAUTHORIZED") !== "0" && mounted !== true) {
        problems.push(`Pod ${name}: TLS without a mounted CA or NODE_TLS_REJECT_UNAUTHORIZED=0`);
      }
    }
    if (container?.securityContext?.allowPrivilegeEscalation !== false) {
      problems.push(`Pod ${name} may escalate privileges`);
    }
    for (const policy of ofKind(objects, "NetworkPolicy")) {
      const admitted = (policy.spec?.ingress ?? []).some((rule) =>
        (rule.from ?? []).some(
          (peer) =>
            peer.namespaceSelector === undefined && selects(peer.podSelector?.matchLabels, labels),
        ),
      );
      if (!admitted) problems.push(`NetworkPolicy ${policy.metadata?.name} shuts out Pod ${name}`);
    }
  }
  return problems;
}
