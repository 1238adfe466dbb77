import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";

// The monitoring mixin (mixin/), rendered with the real jsonnet and checked with the real
// promtool. A missing jsonnet fails these tests with the line that installs it: never a skip.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MIXIN = join(ROOT, "mixin");
const BUILD = join(ROOT, "scripts/build-mixin.mjs");
const RULES = "deploy/prometheus/partner-center-exporter.rules.yml";
const DASHBOARD = "grafana/partner-center-exporter.json";
const NOT_INSTALLED: Readonly<Record<string, string>> = {
  jsonnet: "jsonnet is not installed: apt-get install -y jsonnet",
  jsonnetfmt: "jsonnetfmt is not installed: apt-get install -y jsonnet",
  promtool: "promtool is not installed: apt-get install -y prometheus",
};
const TIMEOUT_MS = 60_000;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program; resolves with its exit code, rejects with the install line if it is missing. */
function run(
  program: string,
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error?.code === "ENOENT") {
          reject(new Error(NOT_INSTALLED[program] ?? `${program} is not installed`));
          return;
        }
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function succeed(program: string, args: readonly string[], cwd?: string): Promise<string> {
  const result = await run(program, args, cwd === undefined ? {} : { cwd });
  expect(result.code, `$ ${program} ${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
  return result.stdout;
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

interface Rendered {
  readonly alerts: { readonly groups: readonly { name: string; rules: Rule[] }[] };
  readonly dashboards: Readonly<Record<string, Dashboard>>;
}

interface Panel {
  readonly title: string;
  readonly fieldConfig?: {
    readonly defaults?: {
      readonly thresholds?: { readonly steps: readonly { color: string; value: number | null }[] };
    };
  };
}

interface Dashboard {
  readonly uid: string;
  readonly panels: readonly Panel[];
}

/** The mixin evaluated with `overrides` (jsonnet) added, as a user's own jsonnet would. */
async function evaluate(overrides = "{}"): Promise<Rendered> {
  const program = `local mixin = (import "mixin.libsonnet") + ${overrides};
    { alerts: mixin.prometheusAlerts, dashboards: mixin.grafanaDashboards }`;
  return JSON.parse(await succeed("jsonnet", ["--jpath", MIXIN, "--exec", program])) as Rendered;
}

const ruleNamed = (rendered: Rendered, name: string): Rule => {
  const rule = rendered.alerts.groups.flatMap((g) => g.rules).find((r) => r.alert === name);
  if (rule === undefined) throw new Error(`no alert ${name}`);
  return rule;
};

const panelNamed = (rendered: Rendered, title: string): Panel => {
  const dashboard = rendered.dashboards["partner-center-exporter.json"];
  const panel = dashboard?.panels.find((p) => p.title === title);
  if (panel === undefined) throw new Error(`no panel ${title}`);
  return panel;
};

const steps = (panel: Panel) =>
  (panel.fieldConfig?.defaults?.thresholds?.steps ?? []).map((s) => [s.color, s.value]);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "mixin-"));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

describe("the mixin (mixin/mixin.libsonnet)", () => {
  it("is evaluated by the real jsonnet", async () => {
    expect(await succeed("jsonnet", ["--version"])).toMatch(/^Jsonnet commandline interpreter/);
  });

  it("renders exactly the committed rules and dashboard (npm run mixin)", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const out = join(temp, "render");
    await succeed(process.execPath, [BUILD, "--out", out]);
    expect(await filesUnder(out)).toEqual([RULES, DASHBOARD].sort());
    for (const file of [RULES, DASHBOARD]) {
      const committed = await readFile(join(ROOT, file), "utf8");
      const rendered = await readFile(join(out, file), "utf8");
      expect(committed, `${file} is stale: run npm run mixin`).toBe(rendered);
    }
  });

  it("keeps the convention's shape: hidden fields, groups of rules, dashboards by file name", async () => {
    expect(JSON.parse(await succeed("jsonnet", [join(MIXIN, "mixin.libsonnet")]))).toEqual({});
    const rendered = await evaluate();
    expect(rendered.alerts.groups.map((g) => g.name)).toEqual([
      "partner-center-license-usage",
      "partner-center-customers",
      "partner-center-renewals",
      "partner-center-exporter",
    ]);
    expect(Object.keys(rendered.dashboards)).toEqual(["partner-center-exporter.json"]);
    expect(rendered.dashboards["partner-center-exporter.json"]?.uid).toBe(
      "partner-center-exporter",
    );
  });

  it("is formatted as jsonnetfmt formats it", async () => {
    const files = (await filesUnder(MIXIN)).filter((f) => f.endsWith(".libsonnet"));
    expect(files.length).toBeGreaterThan(5);
    await succeed("jsonnetfmt", ["--test", ...files], MIXIN);
  });
});

describe("_config overrides", () => {
  const overrides = `{ _config+:: {
    jobSelector: 'job="pce"',
    licenseUsageLowPercent: 30,
    licenseUsageLowFor: '2h',
    licenseUsageLowSelector: 'workload!~"Yammer"',
    customerSelector: 'channel="reseller"',
    dataStaleAfter: '6d',
    customerLowAdoptionPercent: 30,
    subscriptionSelector: 'term="P1Y"',
    renewalMinLicenses: 10,
    renewalWarning: '14d',
  } }`;
  let rendered: Rendered;
  beforeAll(async () => {
    rendered = await evaluate(overrides);
  });

  it("reach the alerts: selectors, thresholds, durations and the words of descriptions", async () => {
    expect(ruleNamed(rendered, "PartnerCenterExporterDown").expr).toBe('up{job="pce"} == 0');
    const low = ruleNamed(rendered, "PartnerCenterLicenseUsageLow");
    expect(low.expr).toBe('partner_license_usage_percent{workload!~"Yammer"} < 30');
    expect(low.for).toBe("2h");
    expect(low.annotations.description).toContain(
      "below the 30% low-adoption threshold for more than 2 hours.",
    );
    expect(ruleNamed(rendered, "PartnerCenterDataStale").expr).toBe(
      "time() - partner_license_usage_processed_timestamp_seconds > 6 * 24 * 3600",
    );
    expect(ruleNamed(rendered, "PartnerCenterDataStale").annotations.summary).toBe(
      "Partner Center usage data is more than 6 days old.",
    );
    for (const name of [
      "PartnerCenterCustomerLowAdoption",
      "PartnerCenterCustomerUnassignedLicenses",
    ]) {
      const selectors = ruleNamed(rendered, name).expr.match(/partner_customer_licenses_\w+\S*/g);
      expect(selectors?.length, name).toBeGreaterThan(1);
      for (const selector of selectors ?? [])
        expect(selector, name).toMatch(/\{channel="reseller"\}/);
    }
  });

  it("reach the renewal alerts: the info selector, the usage selector, the window and the threshold", () => {
    const renews = ruleNamed(rendered, "PartnerCenterSubscriptionRenewsUnderused");
    expect(renews.expr).toContain(
      "partner_customer_subscription_term_end_timestamp_seconds - time() > 0 < 14 * 24 * 3600",
    );
    expect(renews.annotations.description).toContain("renew automatically within 14 days");
    for (const name of [
      "PartnerCenterSubscriptionReductionWindowOpen",
      "PartnerCenterSubscriptionRenewsUnderused",
    ]) {
      const { expr, annotations } = ruleNamed(rendered, name);
      expect(expr, name).toContain('partner_customer_subscription_info{term="P1Y"}');
      expect(expr, name).toContain("partner_customer_subscription_licenses) >= 10");
      // The adoption threshold follows customerLowAdoptionPercent unless set on its own.
      expect(expr, name).toMatch(/\* 100 < 30\n/);
      expect(annotations.description, name).toContain("fewer than 30% of its qualified licences");
      // customerSelector scopes the usage side only: subscriptions carry no channel label.
      expect(expr, name).toContain('partner_customer_licenses_active{channel="reseller"}');
      expect(expr, name).not.toMatch(/partner_customer_subscription_\w+\{channel/);
    }
  });

  it("reach the dashboard's colours and the words of its descriptions", async () => {
    const usage = panelNamed(rendered, "Licence usage by workload");
    expect(steps(usage)).toEqual([
      ["red", null],
      ["orange", 30],
      ["green", 50],
      ["blue", 100],
    ]);
    const age = panelNamed(rendered, "Partner Center data age");
    expect(steps(age)).toEqual([
      ["green", null],
      ["orange", 4 * 86400],
      ["red", 6 * 86400],
    ]);
    expect(JSON.stringify(age)).toContain("orange from 4 days, red from 6 days");
  });

  it("give rules that promtool checks and that fire at the new threshold after the new for:", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const dir = join(temp, "override");
    await writeFile(`${dir}-rules.yml`, stringify(rendered.alerts));
    await writeFile(
      `${dir}-test.yml`,
      stringify({
        rule_files: [`${dir}-rules.yml`],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series: [
              {
                series:
                  'partner_license_usage_percent{workload="Teams",service="o365",channel="direct"}',
                values: "25+0x240",
              },
              { series: 'partner_license_usage_percent{workload="Exchange"}', values: "30+0x240" },
              { series: 'partner_license_usage_percent{workload="Yammer"}', values: "5+0x240" },
            ],
            alert_rule_test: [
              { eval_time: "1h50m", alertname: "PartnerCenterLicenseUsageLow", exp_alerts: [] },
              {
                eval_time: "2h10m",
                alertname: "PartnerCenterLicenseUsageLow",
                exp_alerts: [
                  {
                    exp_labels: {
                      severity: "warning",
                      workload: "Teams",
                      service: "o365",
                      channel: "direct",
                    },
                    exp_annotations: {
                      summary: "Licence usage of a workload is below the low-adoption threshold.",
                      description:
                        "Partner Center reports 25.0% licence usage for workload Teams (service o365, channel direct), below the 30% low-adoption threshold for more than 2 hours.",
                      runbook_url: ruleNamed(rendered, "PartnerCenterLicenseUsageLow").annotations
                        .runbook_url,
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    await succeed("promtool", ["check", "rules", "--lint=all", "--lint-fatal", `${dir}-rules.yml`]);
    await succeed("promtool", ["test", "rules", `${dir}-test.yml`], dirname(dir));
  });

  it("refuse a duration of more than one unit, naming it", async () => {
    const result = await run("jsonnet", [
      "--jpath",
      MIXIN,
      "--exec",
      `((import "mixin.libsonnet") + { _config+:: { licenseUsageLowFor: '1h30m' } }).prometheusAlerts`,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("duration 1h30m: write a whole number and one unit");
  });
});

describe("scripts/build-mixin.mjs without jsonnet", () => {
  it("fails and names the apt-get line", async () => {
    // A PATH with nothing on it; the script itself runs on this Node.js by its full path.
    const emptyPath = join(temp, "empty-path");
    await mkdir(emptyPath);
    const result = await run(process.execPath, [BUILD, "--out", join(temp, "no-jsonnet")], {
      env: { ...process.env, PATH: emptyPath },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("jsonnet is not installed: apt-get install -y jsonnet");
  });
});
