import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { Collection, PollCollector } from "../../src/collectors/collector.js";
import { customerDeploymentCollector } from "../../src/collectors/customer-deployment.js";
import { customerUsageCollector } from "../../src/collectors/customer-usage.js";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { partnerDeploymentCollector } from "../../src/collectors/partner-deployment.js";
import { TooManySeriesError } from "../../src/collectors/row-cap.js";
import { selectCollectors } from "../../src/collectors/select.js";
import { clientStack } from "../helpers/client-stack.js";
import { type CollectorOverrides, collectorOptions } from "../helpers/collector-options.js";
import {
  checkedCollectorExposition,
  checkServedBodies,
  family,
  metricsAfterPoll,
} from "../helpers/exposition-check.js";
import { expectGolden } from "../helpers/golden.js";
import { type NextLinkStyle, PartnerCenterSimulator } from "../helpers/simulator.js";

const correlationId = "0e3b1f4c-6a7d-4e2b-9c1a-5f8d7e6c4b3a";

describe("label mapping and values (golden)", () => {
  it("maps every commercial field to its label exactly as the spec says; aggregated-away fields are absent", async () => {
    const body: unknown = JSON.parse(
      await readFile(new URL("../fixtures/customer-usage-page.json", import.meta.url), "utf8"),
    );
    const text = await checkedCollectorExposition(customerUsageCollector, body);
    await expectGolden(text, new URL("../golden/customer-usage.prom", import.meta.url));
  });

  it("serves the golden series in both formats, plain and gzip, through every strict parser", async () => {
    const body: unknown = JSON.parse(
      await readFile(new URL("../fixtures/customer-usage-page.json", import.meta.url), "utf8"),
    );
    const { text, openMetrics } = await checkServedBodies(
      await metricsAfterPoll(customerUsageCollector, body),
    );
    expect(openMetrics).toEqual(text);
    const qualified = family(text, "partner_customer_licenses_qualified").samples;
    expect(qualified.map((s) => [s.labels.customer, s.labels.workload, s.value])).toEqual([
      ['Contoso "Retail" Ltd', "Exchange", 150],
      ['Contoso "Retail" Ltd', "SharePoint", 150],
    ]);
  });

  it("exports deployment percentages above 100 as received", async () => {
    const text = await checkedCollectorExposition(partnerDeploymentCollector, {
      totalCount: 1,
      items: [
        {
          proratedDeploymentPercent: 123.45,
          licensesSold: 40,
          serviceName: "o365",
          channel: "reseller",
          processedDateTime: "2026-11-25T00:00:00+00:00",
        },
      ],
    });
    expect(text).toContain(
      'partner_license_deployment_percent{service="o365",channel="reseller"} 123.45',
    );
    expect(text).toContain('partner_licenses_sold{service="o365",channel="reseller"} 40');
  });

  it("keeps the customer deployment counts as received, deployed above sold included", async () => {
    const text = await checkedCollectorExposition(customerDeploymentCollector, {
      Value: [
        {
          customerTenantId: "t1",
          customerName: "Fabrikam",
          serviceCode: "o365",
          serviceName: "Microsoft Office 365",
          channel: "direct",
          licensesDeployed: 55,
          licensesSold: 50,
          processedDateTime: "2026-11-25T00:00:00",
        },
      ],
      "@nextLink": null,
      TotalCount: 1,
    });
    expect(text).toContain(
      'partner_customer_licenses_deployed{customer_id="t1",customer="Fabrikam",service="Microsoft Office 365",service_code="o365",channel="direct"} 55',
    );
    expect(text).toContain(
      'partner_customer_licenses_sold{customer_id="t1",customer="Fabrikam",service="Microsoft Office 365",service_code="o365",channel="direct"} 50',
    );
  });
});

describe("paging against the simulator", () => {
  let simulator: PartnerCenterSimulator;
  const start = async (nextLinks: NextLinkStyle, customers = 120): Promise<void> => {
    simulator = new PartnerCenterSimulator({ customers, nextLinks });
    await simulator.start();
  };
  afterEach(async () => {
    await simulator.stop();
  });

  async function collect(
    collector: PollCollector,
    options: CollectorOverrides = {},
  ): Promise<Collection> {
    const { client } = await clientStack(simulator);
    return collector.collect({
      client,
      correlationId,
      signal: new AbortController().signal,
      options: collectorOptions({ ...options, customer: { pageSize: 100, ...options.customer } }),
    });
  }

  function pageRequests(): { path: string; correlationId: string | undefined }[] {
    return simulator.requests
      .filter((r) => r.path.includes("/commercial/"))
      .map((r) => ({ path: r.path, correlationId: r.headers["ms-correlationid"] }));
  }

  it.each(["absolute", "relative", "none"] as const)(
    "reads every page with %s next links, all under one correlation id",
    async (style) => {
      await start(style);
      const collection = await collect(customerUsageCollector);
      const series = collection.series.get("partner_customer_licenses_active") ?? [];
      const requests = pageRequests();
      expect(requests.length).toBeGreaterThan(3);
      expect(series.length).toBe(collection.received);
      expect(series.length).toBeGreaterThan((requests.length - 1) * 100);
      expect(new Set(requests.map((r) => r.correlationId))).toEqual(new Set([correlationId]));
      expect(requests.map((r) => new URL(r.path, "http://x").searchParams.get("skip"))).toEqual(
        requests.map((_, i) => String(i * 100)),
      );
    },
  );

  it("passes groupby and filter through, and the API applies them", async () => {
    await start("absolute");
    const collection = await collect(customerUsageCollector, {
      customer: {
        groupBy: ["customerTenantId", "serviceCode", "channel"],
        filter: "serviceCode eq 'crm'",
      },
    });
    const first = new URL(pageRequests()[0]?.path ?? "", "http://x").searchParams;
    expect(first.get("groupby")).toBe("customerTenantId,serviceCode,channel");
    expect(first.get("filter")).toBe("serviceCode eq 'crm'");
    const series = collection.series.get("partner_customer_licenses_active") ?? [];
    expect(series.length).toBeGreaterThan(0);
    for (const sample of series) {
      const present = Object.entries(sample.labels).filter(([, value]) => value !== "");
      expect(present.map(([name]) => name).sort()).toEqual([
        "channel",
        "customer_id",
        "service_code",
      ]);
      expect(sample.labels.service_code).toBe("crm");
    }
  });

  it("leaves workload fields out of the deployment endpoint's groupby", async () => {
    await start("absolute");
    await collect(customerDeploymentCollector);
    const first = new URL(pageRequests()[0]?.path ?? "", "http://x").searchParams;
    expect(first.get("groupby")).toBe(
      "customerTenantId,customerName,serviceCode,serviceName,channel",
    );
  });

  it("never follows a next link to another host with the access token", async () => {
    await start("foreign");
    const error = await collect(customerUsageCollector).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /next link points to another host \(partner-center\.example\.invalid\)/,
    );
    expect(pageRequests()).toHaveLength(1);
  });

  it("fails loudly over CUSTOMER_MAX_SERIES, naming the settings that reduce it", async () => {
    await start("absolute");
    const error = await collect(customerUsageCollector, { customer: { maxSeries: 50 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TooManySeriesError);
    expect((error as Error).message).toMatch(
      /over CUSTOMER_MAX_SERIES=50: narrow them with CUSTOMER_FILTER or a coarser CUSTOMER_GROUP_BY, or raise CUSTOMER_MAX_SERIES/,
    );
    // The first page's TotalCount was enough to know: no further pages were read.
    expect(pageRequests()).toHaveLength(1);
  });
});

describe("selectCollectors", () => {
  const names = (list: string[] | undefined, toggles: [string, boolean][] = []) =>
    selectCollectors(ALL_COLLECTORS, { list, toggles: new Map(toggles) });

  it("runs partner-usage by default", () => {
    expect(names(undefined).collectors.map((c) => c.name)).toEqual(["partner-usage"]);
  });

  it("applies COLLECTORS, then --collector.NAME and --no-collector.NAME", () => {
    const { collectors } = names(
      ["partner-usage", "customer-usage"],
      [
        ["customer-deployment", true],
        ["partner-usage", false],
      ],
    );
    expect(collectors.map((c) => c.name)).toEqual(["customer-usage", "customer-deployment"]);
  });

  it("names unknown collectors, one line each", () => {
    expect(names(["partner-usage", "customers"], [["deploy", true]]).problems).toEqual([
      'COLLECTORS (--collectors): unknown collector "customers" (known: partner-usage, partner-deployment, customer-usage, customer-deployment, customer-subscriptions)',
      "--collector.deploy: unknown collector (known: partner-usage, partner-deployment, customer-usage, customer-deployment, customer-subscriptions)",
    ]);
  });
});
