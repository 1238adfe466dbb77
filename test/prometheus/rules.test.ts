import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

// The bundled alert rules, their promtool unit tests and the example Alertmanager configuration,
// checked with the real promtool and amtool. A missing tool fails the test: it never skips.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RULES = "deploy/prometheus/partner-center-exporter.rules.yml";
/**
 * Minute-stepped tests, the customer alerts' (for: 7d) stepped by the hour to stay fast, and the
 * renewal alerts' stepped by 5 minutes over 3 days.
 */
const RULE_TESTS = [
  "deploy/prometheus/partner-center-exporter.rules.test.yml",
  "deploy/prometheus/partner-center-exporter.customers.rules.test.yml",
  "deploy/prometheus/partner-center-exporter.renewals.rules.test.yml",
];
const PROMETHEUS_CONFIG = "deploy/prometheus/prometheus.yml";
const ALERTMANAGER_CONFIG = "deploy/alertmanager/alertmanager.yml";
const RUNBOOK = "docs/runbook.md";
const RUNBOOK_URL =
  "https://github.com/partner-center-exporter/partner-center-exporter/blob/main/docs/runbook.md";
const TOOL_TIMEOUT_MS = 30_000;
/** `promtool test rules` steps through every evaluation up to each test's last eval_time (~4 s). */
const RULE_TESTS_TIMEOUT_MS = 60_000;

const NOT_INSTALLED: Readonly<Record<string, string>> = {
  promtool: "promtool is not installed: apt-get install -y prometheus",
  amtool: "amtool is not installed: apt-get install -y prometheus-alertmanager",
};

interface ToolResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a tool from the repository root; resolves with its exit code, rejects if it is missing. */
function runTool(
  tool: string,
  args: readonly string[],
  { timeout = TOOL_TIMEOUT_MS }: { readonly timeout?: number } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { cwd: ROOT, timeout }, (error, stdout, stderr) => {
      if (error?.code === "ENOENT") {
        reject(new Error(NOT_INSTALLED[tool] ?? `${tool} is not installed`));
        return;
      }
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, output: `$ ${tool} ${args.join(" ")}\n${stdout}${stderr}` });
    });
  });
}

async function expectSuccess(
  tool: string,
  args: readonly string[],
  options: { readonly timeout?: number } = {},
): Promise<string> {
  const result = await runTool(tool, args, options);
  expect(result.code, result.output).toBe(0);
  return result.output;
}

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly AlertRule[] }[];
}

interface RuleTestFile {
  readonly tests: readonly {
    readonly alert_rule_test?: readonly {
      readonly alertname: string;
      readonly exp_alerts?: readonly unknown[];
    }[];
  }[];
}

const readYaml = <T>(path: string): T => parseYaml(readFileSync(`${ROOT}${path}`, "utf8")) as T;

const alerts = readYaml<RuleFile>(RULES).groups.flatMap((group) =>
  group.rules.filter((rule) => typeof rule.alert === "string"),
);
const alertCases = alerts.map((rule) => [rule.alert, rule] as const);
const groupRules = (name: string): readonly AlertRule[] =>
  readYaml<RuleFile>(RULES).groups.find((group) => group.name === name)?.rules ?? [];

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to dashes. */
function githubAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading?.[1]) continue;
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

describe("promtool and amtool", () => {
  it("promtool check rules accepts the rules, lint included", {
    timeout: TOOL_TIMEOUT_MS,
  }, async () => {
    const output = await expectSuccess("promtool", [
      "check",
      "rules",
      "--lint=all",
      "--lint-fatal",
      RULES,
    ]);
    expect(output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it("promtool test rules passes the unit tests", { timeout: RULE_TESTS_TIMEOUT_MS }, async () => {
    const output = await expectSuccess("promtool", ["test", "rules", ...RULE_TESTS], {
      timeout: RULE_TESTS_TIMEOUT_MS,
    });
    expect(output).toContain("SUCCESS");
  });

  it("promtool check config accepts the example Prometheus configuration", {
    timeout: TOOL_TIMEOUT_MS,
  }, async () => {
    await expectSuccess("promtool", ["check", "config", PROMETHEUS_CONFIG]);
  });

  it("amtool check-config accepts the example Alertmanager configuration", {
    timeout: TOOL_TIMEOUT_MS,
  }, async () => {
    await expectSuccess("amtool", ["check-config", ALERTMANAGER_CONFIG]);
  });

  it.each([
    ["critical", "pager"],
    ["warning", "tickets"],
    ["info", "null"],
  ])(
    "Alertmanager routes severity=%s to %s",
    { timeout: TOOL_TIMEOUT_MS },
    async (severity, receiver) => {
      await expectSuccess("amtool", [
        "config",
        "routes",
        "test",
        `--config.file=${ALERTMANAGER_CONFIG}`,
        `--verify.receivers=${receiver}`,
        `severity=${severity}`,
      ]);
    },
  );

  it.each([
    ["PartnerCenterCustomerLowAdoption", "info", "null"],
    ["PartnerCenterCustomerUnassignedLicenses", "info", "null"],
    ["PartnerCenterSubscriptionReductionWindowOpen", "info", "null"],
    ["PartnerCenterSubscriptionRenewsUnderused", "info", "null"],
    ["PartnerCenterCollectorFailing", "warning", "tickets"],
  ])(
    "Alertmanager routes %s (severity=%s) to %s",
    { timeout: TOOL_TIMEOUT_MS },
    async (alertname, severity, receiver) => {
      await expectSuccess("amtool", [
        "config",
        "routes",
        "test",
        `--config.file=${ALERTMANAGER_CONFIG}`,
        `--verify.receivers=${receiver}`,
        `alertname=${alertname}`,
        `severity=${severity}`,
        "customer_id=00000000-0000-0000-0000-000000000001",
      ]);
    },
  );

  it("fails with a clear message when a tool is missing", async () => {
    await expect(runTool("promtool-that-does-not-exist", [])).rejects.toThrow(
      "promtool-that-does-not-exist is not installed",
    );
  });
});

describe("alert rules", () => {
  const runbookAnchors = githubAnchors(readFileSync(`${ROOT}${RUNBOOK}`, "utf8"));

  it("has the alerts the runbook and Alertmanager configuration expect", () => {
    expect(alerts.map((rule) => rule.alert).sort()).toEqual([
      "PartnerCenterAccessTokenWithoutMfa",
      "PartnerCenterAuthenticationFailing",
      "PartnerCenterCollectorFailing",
      "PartnerCenterCustomerLowAdoption",
      "PartnerCenterCustomerUnassignedLicenses",
      "PartnerCenterDataStale",
      "PartnerCenterExporterDown",
      "PartnerCenterLicenseUsageAbove100",
      "PartnerCenterLicenseUsageLow",
      "PartnerCenterPollsFailing",
      "PartnerCenterRefreshTokenExpiringSoon",
      "PartnerCenterSubscriptionReductionWindowOpen",
      "PartnerCenterSubscriptionRenewsUnderused",
      "PartnerCenterThrottled",
    ]);
  });

  it("keeps the renewal alerts in their own group, quiet (info), naming offer and customer", () => {
    const renewals = groupRules("partner-center-renewals");
    expect(renewals.map((rule) => rule.alert).sort()).toEqual([
      "PartnerCenterSubscriptionReductionWindowOpen",
      "PartnerCenterSubscriptionRenewsUnderused",
    ]);
    for (const rule of renewals) {
      expect(rule.labels?.severity, rule.alert).toBe("info");
      for (const label of ["offer", "customer", "customer_id", "subscription_id"])
        expect(rule.annotations?.description, rule.alert).toContain(`$labels.${label} `);
      // Joined with the usage on the customer tenant id, the documented key.
      expect(rule.expr, rule.alert).toContain("and on (job, instance, customer_id)\n");
    }
  });

  it("keeps the per-customer alerts in their own group, quiet (info) and slow (7d)", () => {
    const customers = groupRules("partner-center-customers");
    expect(customers.map((rule) => rule.alert).sort()).toEqual([
      "PartnerCenterCustomerLowAdoption",
      "PartnerCenterCustomerUnassignedLicenses",
    ]);
    for (const rule of customers) {
      expect(rule.labels?.severity, rule.alert).toBe("info");
      expect(rule.for, rule.alert).toBe("7d");
      expect(rule.annotations?.description, rule.alert).toContain("$labels.customer ");
      expect(rule.annotations?.description, rule.alert).toContain("$labels.customer_id");
    }
  });

  // The monitoring-mixin guidelines, as mixtool lint checks them
  // (https://monitoring.mixins.dev/#guidelines-for-alert-names-labels-and-annotations).
  it.each(alertCases)("%s has an UpperCamelCase name and a severity", (name, rule) => {
    expect(name).toMatch(/^([A-Z]+[a-z0-9]+)+$/);
    expect(["critical", "warning", "info"]).toContain(rule.labels?.severity);
  });

  it.each(alertCases)("%s has a static summary sentence and a templated description", (_, rule) => {
    const summary = rule.annotations?.summary ?? "";
    expect(summary).toMatch(/^[A-Z].+\.$/);
    expect(summary).not.toMatch(/\{\{.+\}\}/);
    expect(rule.annotations?.description ?? "").toMatch(/\{\{.+\}\}/);
  });

  it.each(alertCases)("%s links to its section of the runbook", (_, rule) => {
    const url = rule.annotations?.runbook_url ?? "";
    expect(url.startsWith(`${RUNBOOK_URL}#`), url).toBe(true);
    const anchor = url.slice(RUNBOOK_URL.length + 1);
    expect([...runbookAnchors], `anchor #${anchor}`).toContain(anchor);
  });

  it.each(alertCases)("%s is unit-tested both firing and not firing", (name) => {
    const cases = RULE_TESTS.flatMap((file) => readYaml<RuleTestFile>(file).tests).flatMap(
      (test) => test.alert_rule_test ?? [],
    );
    const own = cases.filter((c) => c.alertname === name);
    expect(
      own.some((c) => (c.exp_alerts?.length ?? 0) > 0),
      "a firing case",
    ).toBe(true);
    expect(
      own.some((c) => (c.exp_alerts?.length ?? 0) === 0),
      "a not-firing case",
    ).toBe(true);
  });

  it("names only existing alerts in the Alertmanager configuration", () => {
    const names = new Set(alerts.map((rule) => rule.alert));
    const text = readFileSync(`${ROOT}${ALERTMANAGER_CONFIG}`, "utf8");
    for (const [mentioned] of text.matchAll(/PartnerCenter\w+/g)) {
      expect(names, mentioned).toContain(mentioned);
    }
  });

  it("computes GitHub anchors like GitHub", () => {
    expect([
      ...githubAnchors(
        "# Title\n## Changing the low-adoption threshold\n```\n# not a heading\n```\n## Title",
      ),
    ]).toEqual(["title", "changing-the-low-adoption-threshold", "title-1"]);
  });
});
