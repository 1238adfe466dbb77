import { Ajv } from "ajv";
import { isRecord, parseYaml, readText } from "./repo.js";

export const CHART = "deploy/helm/partner-center-exporter";

export const DEFAULT_VALUES = parseYaml(readText(`${CHART}/values.yaml`), "values.yaml");
export const SCHEMA = JSON.parse(readText(`${CHART}/values.schema.json`)) as object;
const validateValues = new Ajv({ allErrors: true, strict: true }).compile(SCHEMA);

/** Helm's coalescing of user values over the chart's: maps merge, null deletes. */
export function coalesce(base: unknown, override: unknown): unknown {
  if (!isRecord(base) || !isRecord(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else out[key] = coalesce(out[key], value);
  }
  return out;
}

/** What values.schema.json says of these values laid over the chart's (as Helm checks them). */
export function schemaErrors(values: object): string[] {
  if (validateValues(coalesce(DEFAULT_VALUES, values))) return [];
  return (validateValues.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
}

/** The schema node at a JSON pointer such as /definitions/cloud. */
export function schemaAt(pointer: string): unknown {
  let node: unknown = SCHEMA;
  for (const part of pointer.split("/").slice(1)) {
    node = isRecord(node) ? node[part] : undefined;
  }
  return node;
}
