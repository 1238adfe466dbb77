import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { onlyOne, parseManifests } from "./support/kubernetes.js";
import { DASHBOARD_FILE, parseYaml, ROOT, RULES_FILE, readText } from "./support/repo.js";

const run = promisify(execFile);
const SCRIPT = `${ROOT}scripts/sync-deploy-assets.mjs`;
const CHART_FILES = "deploy/helm/partner-center-exporter/files";

async function sync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("rules and dashboard copies (scripts/sync-deploy-assets.mjs)", () => {
  it("are up to date in this checkout", async () => {
    const result = await sync(["--check"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("hold exactly the source's rules and dashboard", () => {
    const rules = parseYaml(readText(RULES_FILE), RULES_FILE);
    const rule = onlyOne(
      parseManifests(readText("deploy/kubernetes/prometheusrule.yaml"), "prometheusrule.yaml"),
      "PrometheusRule",
    );
    expect(rule.spec).toEqual(rules);
    expect(
      parseYaml(readText(`${CHART_FILES}/partner-center-exporter.rules.yml`), "chart"),
    ).toEqual(rules);

    const dashboard = readText(DASHBOARD_FILE);
    const map = onlyOne(
      parseManifests(
        readText("deploy/kubernetes/grafana-dashboard.yaml"),
        "grafana-dashboard.yaml",
      ),
      "ConfigMap",
    );
    expect(map.data?.["partner-center-exporter.json"]).toBe(dashboard);
    expect(map.metadata?.labels?.grafana_dashboard).toBe("1");
    expect(readText(`${CHART_FILES}/partner-center-exporter.json`)).toBe(dashboard);
  });

  it("are reported stale, then rewritten, when a source changes", async () => {
    const root = await mkdtemp(join(tmpdir(), "sync-deploy-assets-"));
    temps.push(root);
    for (const dir of ["deploy", "grafana"])
      await cp(`${ROOT}${dir}`, join(root, dir), { recursive: true });
    const rulesPath = join(root, RULES_FILE);
    await writeFile(rulesPath, `${await readFile(rulesPath, "utf8")}# a new last line\n`);

    const stale = await sync(["--check", "--root", root]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("deploy/kubernetes/prometheusrule.yaml is stale");
    expect(stale.stderr).toContain(`${CHART_FILES}/partner-center-exporter.rules.yml is stale`);
    expect(stale.stderr).not.toContain("grafana-dashboard.yaml");

    const write = await sync(["--root", root]);
    expect(write.code).toBe(0);
    expect((await sync(["--check", "--root", root])).code).toBe(0);
    const copy = await readFile(join(root, "deploy/kubernetes/prometheusrule.yaml"), "utf8");
    expect(copy).toContain("  # a new last line\n");
  });
});
