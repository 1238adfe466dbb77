// values.schema.json, checked twice: by Ajv (strict, every error listed) and by the real helm,
// which refuses to render values the schema rejects, with the schema's message.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { CLOUD_NAMES } from "../../src/config/clouds.js";
import { parseDuration } from "../../src/config/duration.js";
import { SETTINGS } from "../../src/config/settings.js";
import { GROUPABLE_FIELDS } from "../../src/partner-center/fields.js";
import { CUSTOM_VALUES, DEMO_VALUES } from "./support/chart.js";
import { CHART, DEFAULT_VALUES, SCHEMA, schemaAt, schemaErrors } from "./support/chart-values.js";
import { useRenderer } from "./support/helm.js";
import { CHART_DIR, isRecord, PACKAGE, parseYaml, readText } from "./support/repo.js";

const renderer = useRenderer();

/** What helm says when values.schema.json refuses the values (empty when it renders them). */
async function helmSchemaErrors(values: object): Promise<string> {
  const result = await renderer().render(values);
  if (result.ok) return "";
  expect(result.error).toContain("values don't meet the specifications of the schema(s)");
  return result.error;
}

describe("Helm chart metadata and values", () => {
  it("versions the app as package.json does", () => {
    const chart = parseYaml(readText(`${CHART}/Chart.yaml`), "Chart.yaml");
    expect(isRecord(chart) && chart.appVersion).toBe(PACKAGE.version);
    expect(isRecord(chart) && chart.name).toBe("partner-center-exporter");
  });

  it("has default values that satisfy values.schema.json", async () => {
    for (const values of [{}, CUSTOM_VALUES, DEMO_VALUES]) {
      expect(schemaErrors(values)).toEqual([]);
      expect(await helmSchemaErrors(values)).toBe("");
    }
  });

  // Ajv's message, and helm's for the same values (gojsonschema's wording).
  it.each([
    [
      "a misspelt key",
      { serviceMonitor: { enable: true } },
      "must NOT have additional properties",
      "serviceMonitor: Additional property enable is not allowed",
    ],
    [
      "a duration the exporter cannot read",
      { pollInterval: "1 hour" },
      "/pollInterval",
      "pollInterval: Must validate at least one schema (anyOf)",
    ],
    [
      "the latest tag",
      { image: { tag: "latest" } },
      "/image/tag",
      "image.tag: Must not validate the schema (not)",
    ],
    [
      "an unknown log level",
      { logLevel: "verbose" },
      "/logLevel",
      'logLevel: logLevel must be one of the following: "debug", "info", "warn", "error"',
    ],
    [
      "a NetworkPolicy open to all",
      { networkPolicy: { ingressFrom: [] } },
      "/networkPolicy",
      "networkPolicy.ingressFrom: Array must have at least 1 items",
    ],
    [
      "no Secret outside demo",
      { credentials: { existingSecret: "" } },
      "/credentials",
      "credentials.existingSecret: String length must be greater than or equal to 1",
    ],
    [
      "a port as a string",
      { service: { port: "9841" } },
      "/service/port",
      "service.port: Invalid type. Expected: integer, given: string",
    ],
    [
      "an unknown collector",
      { collectors: ["partner-usage", "licences"] },
      "/collectors/1",
      "collectors.1: collectors.1 must be one of the following:",
    ],
    [
      "a collector named twice",
      { collectors: ["customer-usage", "customer-usage"] },
      "/collectors",
      "collectors: array items[0,1] must be unique",
    ],
    [
      "a comma list for collectors",
      { collectors: "partner-usage,customer-usage" },
      "/collectors",
      "collectors: Invalid type. Expected: array, given: string",
    ],
    [
      "an unknown groupby field",
      { customer: { groupBy: ["tenant"] } },
      "/customer/groupBy/0",
      "customer.groupBy.0: customer.groupBy.0 must be one of the following:",
    ],
    [
      "a page over 10000 rows",
      { customer: { pageSize: 10001 } },
      "/customer/pageSize",
      "customer.pageSize: Must be less than or equal to 10000",
    ],
    [
      "no series allowed",
      { customer: { maxSeries: 0 } },
      "/customer/maxSeries",
      "customer.maxSeries: Must be greater than or equal to 1",
    ],
    [
      "a number as a string",
      { customer: { maxSeries: "50000" } },
      "/customer/maxSeries",
      "customer.maxSeries: Invalid type. Expected: integer, given: string",
    ],
    [
      "an unknown customer key",
      { customer: { groupby: [] } },
      "/customer",
      "customer: Additional property groupby is not allowed",
    ],
    [
      "an unknown cloud",
      { cloud: "azure-germany" },
      "/cloud",
      'cloud: cloud must be one of the following: "", "global", "usgov", "china"',
    ],
  ])("rejects %s", async (_what, values, message, helmMessage) => {
    expect(schemaErrors(values).join("\n")).toContain(message);
    expect(await helmSchemaErrors(values)).toContain(`- ${helmMessage}`);
  });

  it("offers the exporter's log levels and reads durations as it does", async () => {
    const levels = SETTINGS.find((s) => s.env === "LOG_LEVEL");
    expect(
      isRecord(SCHEMA) && JSON.stringify(SCHEMA).includes(JSON.stringify(levels?.choices)),
    ).toBe(true);
    for (const good of ["500ms", "30s", "15m", "1h", "1h30m", "1d"]) {
      expect(parseDuration(good)).toBeGreaterThan(0);
      expect(schemaErrors({ pollInterval: good })).toEqual([]);
      expect(await helmSchemaErrors({ pollInterval: good }), good).toBe("");
    }
    for (const bad of ["1 hour", "10", "1H", "-1h"]) {
      expect(parseDuration(bad)).toBeUndefined();
      expect(schemaErrors({ pollInterval: bad })).not.toEqual([]);
      expect(await helmSchemaErrors({ pollInterval: bad }), bad).toContain("- pollInterval:");
    }
  });

  it("offers the exporter's collectors, groupby fields and clouds", () => {
    expect(schemaAt("/definitions/collectors/items/enum")).toEqual(
      ALL_COLLECTORS.map((c) => c.name),
    );
    expect(schemaAt("/definitions/customer/properties/groupBy/items/enum")).toEqual(
      GROUPABLE_FIELDS,
    );
    const clouds = SETTINGS.find((s) => s.env === "AZURE_CLOUD");
    expect(clouds?.choices).toEqual(CLOUD_NAMES);
    expect(schemaAt("/definitions/cloud/enum")).toEqual(["", ...CLOUD_NAMES]);
    // The page size's maximum is the exporter's default, which is the API's maximum.
    const pageSize = SETTINGS.find((s) => s.env === "CUSTOMER_PAGE_SIZE");
    expect(schemaAt("/definitions/customer/properties/pageSize/maximum")).toBe(
      Number(pageSize?.default),
    );
    expect(
      schemaErrors({
        collectors: ALL_COLLECTORS.map((c) => c.name),
        customer: { groupBy: GROUPABLE_FIELDS, filter: "x", maxSeries: 1, pageSize: 10000 },
        cloud: "china",
      }),
    ).toEqual([]);
  });

  it("uses every top-level value in a template", () => {
    const templates = readdirSync(`${CHART_DIR}/templates`, { recursive: true, encoding: "utf8" })
      .filter((f) => /\.(yaml|tpl|txt)$/.test(f))
      .map((f) => readText(`${CHART}/templates/${f}`))
      .join("\n");
    const keys = isRecord(DEFAULT_VALUES) ? Object.keys(DEFAULT_VALUES) : [];
    expect(keys.filter((k) => !templates.includes(`.Values.${k}`))).toEqual([]);
  });
});
