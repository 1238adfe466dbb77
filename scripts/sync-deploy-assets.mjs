#!/usr/bin/env node
// Keeps the deployment copies of the alert rules and the Grafana dashboard in step with
// deploy/prometheus/partner-center-exporter.rules.yml and grafana/partner-center-exporter.json,
// which scripts/build-mixin.mjs renders from the monitoring mixin (mixin/) and then runs this.
//
//   node scripts/sync-deploy-assets.mjs           write the copies
//   node scripts/sync-deploy-assets.mjs --check   exit 1 and name each copy that is stale
//   --root DIR                                    work on another checkout (the tests use it)
//
// Plain text, no dependencies: the rules keep their comments, the dashboard its formatting.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const RULES = "deploy/prometheus/partner-center-exporter.rules.yml";
const DASHBOARD = "grafana/partner-center-exporter.json";
const CHART = "deploy/helm/partner-center-exporter";
const SCRIPT = "scripts/sync-deploy-assets.mjs";

const LABELS = [
  "    app.kubernetes.io/name: partner-center-exporter",
  "    app.kubernetes.io/instance: partner-center-exporter",
  "    app.kubernetes.io/component: exporter",
];

function generatedHeader(source) {
  return [
    `# Generated from ${source} by ${SCRIPT}.`,
    "# That file is rendered from the monitoring mixin: edit mixin/, then run `npm run mixin`",
    "# (which runs this script too); a test fails when this copy is stale.",
  ];
}

/** Indents every non-empty line (empty lines stay empty: no trailing spaces). */
function indent(text, spaces) {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line === "" ? line : pad + line))
    .join("\n");
}

/** The rules file without its leading comment block, which speaks of prometheus.yml. */
function rulesBody(rules) {
  const lines = rules.split("\n");
  let start = 0;
  while (start < lines.length && /^\s*(#.*)?$/.test(lines[start] ?? "")) start++;
  return lines.slice(start).join("\n").replace(/\n+$/, "");
}

function prometheusRule(rules) {
  return [
    ...generatedHeader(RULES),
    "# Needs the Prometheus Operator. If your Prometheus selects rules by label",
    "# (kube-prometheus-stack: release=<its release>), add that label here.",
    "apiVersion: monitoring.coreos.com/v1",
    "kind: PrometheusRule",
    "metadata:",
    "  name: partner-center-exporter",
    "  labels:",
    ...LABELS,
    "spec:",
    indent(rulesBody(rules), 2),
    "",
  ].join("\n");
}

/** A literal block scalar whose chomping keeps the JSON byte for byte. */
function blockScalar(text, spaces) {
  const trailing = /\n*$/.exec(text)?.[0].length ?? 0;
  const chomp = trailing === 0 ? "|-" : trailing === 1 ? "|" : "|+";
  const body = text.slice(0, text.length - trailing);
  return `${chomp}\n${indent(body, spaces)}`;
}

function dashboardConfigMap(dashboard) {
  return [
    ...generatedHeader(DASHBOARD),
    "# Grafana's dashboard sidecar (kube-prometheus-stack: grafana.sidecar.dashboards) loads every",
    '# ConfigMap labelled grafana_dashboard: "1".',
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: partner-center-exporter-dashboard",
    "  labels:",
    ...LABELS,
    '    grafana_dashboard: "1"',
    "data:",
    `  partner-center-exporter.json: ${blockScalar(dashboard, 4)}`,
    "",
  ].join("\n");
}

function chartRules(rules) {
  return [
    ...generatedHeader(RULES),
    "# The chart's PrometheusRule puts this file under its spec (templates/prometheusrule.yaml).",
    rulesBody(rules),
    "",
  ].join("\n");
}

/** Every generated file, relative to the repository root, with its expected content. */
export function expectedAssets(root) {
  const rules = readFileSync(join(root, RULES), "utf8");
  const dashboard = readFileSync(join(root, DASHBOARD), "utf8");
  return new Map([
    ["deploy/kubernetes/prometheusrule.yaml", prometheusRule(rules)],
    ["deploy/kubernetes/grafana-dashboard.yaml", dashboardConfigMap(dashboard)],
    [`${CHART}/files/partner-center-exporter.rules.yml`, chartRules(rules)],
    // JSON has no comments: a verbatim copy (the test compares it with the source).
    [`${CHART}/files/partner-center-exporter.json`, dashboard],
  ]);
}

function readIfPresent(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function main(argv) {
  const check = argv.includes("--check");
  const rootIndex = argv.indexOf("--root");
  const root =
    rootIndex >= 0 && argv[rootIndex + 1] !== undefined
      ? resolve(argv[rootIndex + 1])
      : resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const stale = [];
  for (const [file, content] of expectedAssets(root)) {
    const path = join(root, file);
    if (readIfPresent(path) === content) continue;
    stale.push(file);
    if (!check) writeFileSync(path, content);
  }
  if (check && stale.length > 0) {
    for (const file of stale) {
      console.error(`${file} is stale: run node ${SCRIPT}`);
    }
    return 1;
  }
  for (const file of stale) console.log(`wrote ${file}`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
