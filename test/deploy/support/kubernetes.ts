import {
  type IPrometheusRule,
  PrometheusRule,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import {
  type IServiceMonitor,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment, type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import {
  type INetworkPolicy,
  NetworkPolicy,
} from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ConfigMap, type IConfigMap } from "kubernetes-models/v1/ConfigMap";
import {
  type IPersistentVolumeClaim,
  PersistentVolumeClaim,
} from "kubernetes-models/v1/PersistentVolumeClaim";
import { type IPod, Pod } from "kubernetes-models/v1/Pod";
import { type ISecret, Secret } from "kubernetes-models/v1/Secret";
import { type IService, Service } from "kubernetes-models/v1/Service";
import { type IServiceAccount, ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { parseAllDocuments } from "yaml";
import { isRecord } from "./repo.js";

/** What every manifest has; the rest is checked by the kind's schema. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** The kinds this project ships, each with its typed shape once its schema accepted it. */
export interface KindShapes {
  Deployment: IDeployment;
  Service: IService;
  ServiceAccount: IServiceAccount;
  Secret: ISecret;
  ConfigMap: IConfigMap;
  PersistentVolumeClaim: IPersistentVolumeClaim;
  NetworkPolicy: INetworkPolicy;
  ServiceMonitor: IServiceMonitor;
  PrometheusRule: IPrometheusRule;
  Pod: IPod;
}
export type Kind = keyof KindShapes;

interface Validatable {
  validate(): void;
}

// Each model class validates its kind against the Kubernetes (or Prometheus Operator CRD) schema.
const MODELS: Readonly<Record<string, (data: KubeObject) => Validatable>> = {
  "apps/v1/Deployment": (d) => new Deployment(d as unknown as IDeployment),
  "v1/Service": (d) => new Service(d as unknown as IService),
  "v1/ServiceAccount": (d) => new ServiceAccount(d as unknown as IServiceAccount),
  "v1/Secret": (d) => new Secret(d as unknown as ISecret),
  "v1/ConfigMap": (d) => new ConfigMap(d as unknown as IConfigMap),
  "v1/PersistentVolumeClaim": (d) =>
    new PersistentVolumeClaim(d as unknown as IPersistentVolumeClaim),
  "networking.k8s.io/v1/NetworkPolicy": (d) => new NetworkPolicy(d as unknown as INetworkPolicy),
  "monitoring.coreos.com/v1/ServiceMonitor": (d) =>
    new ServiceMonitor(d as unknown as IServiceMonitor),
  "monitoring.coreos.com/v1/PrometheusRule": (d) =>
    new PrometheusRule(d as unknown as IPrometheusRule),
  "v1/Pod": (d) => new Pod(d as unknown as IPod),
};

/** Validates one object against its kind's schema; throws naming the object and the problem. */
export function validateObject(object: KubeObject): void {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (model === undefined) {
    throw new Error(`${object.apiVersion} ${object.kind} ${object.metadata.name}: unexpected kind`);
  }
  try {
    model(object).validate();
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${(error as Error).message}`);
  }
}

/** Parses a multi-document YAML stream of manifests; empty documents (comments only) are skipped. */
export function parseManifests(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text, {
    strict: true,
    uniqueKeys: true,
    prettyErrors: true,
  })) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      throw new Error(`${source}: ${problems.map((p) => p.message).join("; ")}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(asKubeObject(value, source));
  }
  return objects;
}

function asKubeObject(value: unknown, source: string): KubeObject {
  if (
    !isRecord(value) ||
    typeof value.apiVersion !== "string" ||
    typeof value.kind !== "string" ||
    !isRecord(value.metadata) ||
    typeof value.metadata.name !== "string"
  ) {
    throw new Error(`${source}: a document without apiVersion, kind and metadata.name`);
  }
  return value as unknown as KubeObject;
}

/** The objects of one kind, typed (validate them first). */
export function ofKind<K extends Kind>(objects: readonly KubeObject[], kind: K): KindShapes[K][] {
  return objects.filter((o) => o.kind === kind) as unknown as KindShapes[K][];
}

/** The one object of a kind; throws when there is none or more than one. */
export function onlyOne<K extends Kind>(objects: readonly KubeObject[], kind: K): KindShapes[K] {
  const found = ofKind(objects, kind);
  const [first] = found;
  if (first === undefined || found.length !== 1) {
    throw new Error(`expected one ${kind}, found ${found.length}`);
  }
  return first;
}

/** True when every label of the selector is on the object with the same value. */
export function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
