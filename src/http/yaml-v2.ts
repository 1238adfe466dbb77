import type { Document, Node as YamlNode } from "yaml";
import { WebConfigProblem } from "./web-config-problem.js";

type YamlModule = typeof import("yaml");

/**
 * A YAML value as Go's gopkg.in/yaml.v2 (what exporter-toolkit reads its file with) sees it:
 * YAML 1.1 scalars (`yes` is a boolean), and a scalar read into a string field is its text, so
 * `X-XSS-Protection: 1` is the string "1".
 */
export type GoYaml =
  | { readonly kind: "scalar"; readonly value: unknown; readonly text: string }
  | { readonly kind: "seq"; readonly items: readonly GoYaml[] }
  | { readonly kind: "map"; readonly entries: ReadonlyMap<string, GoYaml> };

const MAX_DEPTH = 64;

function firstLine(message: string): string {
  return message.split("\n")[0]?.trim() ?? "";
}

function scalarText(value: unknown, source: string | undefined): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  return source ?? String(value);
}

function convert(yaml: YamlModule, doc: Document, node: unknown, depth: number): GoYaml {
  if (depth > MAX_DEPTH) throw new WebConfigProblem("not valid YAML: nested too deeply");
  if (yaml.isAlias(node)) return convert(yaml, doc, node.resolve(doc), depth + 1);
  if (yaml.isScalar(node)) {
    const token = node.srcToken;
    const source = token !== undefined && "source" in token ? token.source : undefined;
    return { kind: "scalar", value: node.value, text: scalarText(node.value, source) };
  }
  if (yaml.isSeq(node)) {
    return { kind: "seq", items: node.items.map((item) => convert(yaml, doc, item, depth + 1)) };
  }
  if (yaml.isMap(node)) {
    const entries = new Map<string, GoYaml>();
    for (const pair of node.items) {
      const key = convert(yaml, doc, pair.key, depth + 1);
      if (key.kind !== "scalar")
        throw new WebConfigProblem("not valid YAML: a key is not a scalar");
      entries.set(key.text, convert(yaml, doc, pair.value as YamlNode | null, depth + 1));
    }
    return { kind: "map", entries };
  }
  return { kind: "scalar", value: null, text: "" };
}

/** Parses the file's text; an empty file is an empty mapping, as in yaml.v2. */
export function parseGoYaml(yaml: YamlModule, source: string): GoYaml {
  const doc = yaml.parseDocument(source, {
    version: "1.1",
    uniqueKeys: true,
    keepSourceTokens: true,
  });
  const error = doc.errors[0];
  if (error !== undefined)
    throw new WebConfigProblem(`not valid YAML: ${firstLine(error.message)}`);
  if (doc.contents === null) return { kind: "map", entries: new Map() };
  return convert(yaml, doc, doc.contents, 0);
}
