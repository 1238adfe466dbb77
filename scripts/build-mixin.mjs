#!/usr/bin/env node
// Renders the monitoring mixin (mixin/mixin.libsonnet) with the real jsonnet into the files
// Prometheus and Grafana load, then runs sync-deploy-assets.mjs so the chart's and kustomize's
// copies follow:
//   mixin prometheusAlerts  -> deploy/prometheus/partner-center-exporter.rules.yml
//   mixin grafanaDashboards -> grafana/<name>.json
//
//   node scripts/build-mixin.mjs            write them (npm run mixin)
//   node scripts/build-mixin.mjs --out DIR  write them under DIR instead, copies untouched
//                                           (the test compares DIR with the checkout)
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { Document, parse } from "yaml";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = "scripts/build-mixin.mjs";
const RULES = "deploy/prometheus/partner-center-exporter.rules.yml";
const DASHBOARDS = "grafana";

// The rules read in the order Prometheus's documentation writes them, not jsonnet's sorted keys.
const RULE_KEYS = ["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"];
const ANNOTATION_KEYS = ["summary", "description", "runbook_url"];
const LINE_WIDTH = 100;

const HEADER = [
  "# Alerting rules for partner-center-exporter, generated from its monitoring mixin (mixin/) by",
  `# ${SCRIPT}: edit mixin/ (thresholds and durations: mixin/config.libsonnet), then run`,
  "# `npm run mixin`; a test fails when this file is stale.",
  "#",
  "# Load with `rule_files:` in prometheus.yml (see prometheus.yml beside this file). Only",
  "# PartnerCenterExporterDown depends on the scrape job's name (the mixin's jobSelector); the other",
  "# rules match the exporter's own metrics, whatever the job is called.",
  "# Every alert links to its section of docs/runbook.md; tests: *.rules.test.yml beside this file.",
  "",
];

/** Evaluates the mixin; rejects with the apt-get line when jsonnet is missing. */
function evaluateMixin(root) {
  const program =
    'local mixin = import "mixin.libsonnet"; ' +
    "{ alerts: mixin.prometheusAlerts, dashboards: mixin.grafanaDashboards }";
  return new Promise((resolvePromise, reject) => {
    execFile(
      "jsonnet",
      ["--jpath", join(root, "mixin"), "--exec", program],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error?.code === "ENOENT") {
          reject(new Error("jsonnet is not installed: apt-get install -y jsonnet"));
        } else if (error) {
          reject(new Error(`jsonnet failed on mixin/mixin.libsonnet:\n${stderr}`));
        } else {
          resolvePromise(JSON.parse(stdout));
        }
      },
    );
  });
}

function ordered(object, keys) {
  const first = keys.filter((key) => key in object).map((key) => [key, object[key]]);
  const rest = Object.entries(object).filter(([key]) => !keys.includes(key));
  return Object.fromEntries([...first, ...rest]);
}

/** Spaces where a line may break: single ones, outside Go templates ({{ ... }}). */
function breakPoints(text) {
  const templates = [...text.matchAll(/\{\{.*?\}\}/g)].map((m) => [m.index, m.index + m[0].length]);
  const points = [];
  for (let i = 1; i < text.length - 1; i++) {
    if (text[i] !== " " || text[i - 1] === " " || text[i + 1] === " ") continue;
    if (templates.some(([start, end]) => i > start && i < end)) continue;
    points.push(i);
  }
  return points;
}

/** Folds one line for a YAML >- block: lines of at most `width` where possible. */
function fold(text, width) {
  const lines = [];
  let start = 0;
  let lastFit = -1;
  for (const point of breakPoints(text)) {
    if (point - start > width && lastFit > start) {
      lines.push(text.slice(start, lastFit));
      start = lastFit + 1;
    }
    lastFit = point;
  }
  if (text.length - start > width && lastFit > start) {
    lines.push(text.slice(start, lastFit));
    start = lastFit + 1;
  }
  lines.push(text.slice(start));
  return lines;
}

/** Rewrites each one-line `description: >-` block as folded lines (YAML reads them back as one). */
function foldDescriptions(yamlText) {
  const lines = yamlText.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    out.push(line);
    if (!/^\s*description: >-$/.test(line)) continue;
    const body = lines[++i] ?? "";
    const indent = /^\s*/.exec(body)?.[0] ?? "";
    for (const part of fold(body.slice(indent.length), LINE_WIDTH - indent.length)) {
      out.push(indent + part);
    }
  }
  return out.join("\n");
}

/** The rules as YAML: multi-line expressions as literal blocks, descriptions folded (>-). */
function rulesYaml(alerts) {
  const groups = alerts.groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule) => {
      const sorted = ordered(rule, RULE_KEYS);
      return sorted.annotations === undefined
        ? sorted
        : { ...sorted, annotations: ordered(sorted.annotations, ANNOTATION_KEYS) };
    }),
  }));
  const document = new Document({ groups });
  for (const group of document.get("groups").items) {
    for (const rule of group.get("rules").items) {
      const expr = rule.get("expr", true);
      if (expr.value.includes("\n")) expr.type = "BLOCK_LITERAL";
      const description = rule.get("annotations")?.get("description", true);
      if (description !== undefined) description.type = "BLOCK_FOLDED";
    }
  }
  // lineWidth 0: yaml folds nothing; the descriptions are folded here, outside templates.
  const text = HEADER.join("\n") + foldDescriptions(document.toString({ lineWidth: 0 }));
  if (!isDeepStrictEqual(parse(text), { groups: alerts.groups })) {
    throw new Error(`${RULES}: the YAML does not read back as the mixin's rules`);
  }
  return text;
}

/** Every file the mixin renders, relative to the repository root, with its content. */
export async function renderMixin(root = ROOT) {
  const { alerts, dashboards } = await evaluateMixin(root);
  const files = new Map([[RULES, rulesYaml(alerts)]]);
  for (const [name, dashboard] of Object.entries(dashboards)) {
    files.set(`${DASHBOARDS}/${name}`, `${JSON.stringify(dashboard, null, 2)}\n`);
  }
  return files;
}

async function main(argv) {
  const outIndex = argv.indexOf("--out");
  const out = outIndex >= 0 ? argv[outIndex + 1] : undefined;
  if (outIndex >= 0 && out === undefined) throw new Error("--out needs a directory");
  const target = out === undefined ? ROOT : resolve(out);
  for (const [file, content] of await renderMixin(ROOT)) {
    const path = join(target, file);
    if (existsSync(path) && readFileSync(path, "utf8") === content) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    console.log(`wrote ${file}`);
  }
  if (out === undefined) {
    execFileSync(process.execPath, [join(ROOT, "scripts/sync-deploy-assets.mjs")], {
      stdio: "inherit",
    });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
