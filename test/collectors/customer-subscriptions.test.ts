import { afterEach, describe, expect, it } from "vitest";
import { customerSubscriptionsCollector } from "../../src/collectors/customer-subscriptions.js";
import { ExporterMetrics } from "../../src/metrics/exporter-metrics.js";
import { Poller } from "../../src/poller/poller.js";
import { clientStack } from "../helpers/client-stack.js";
import { type CollectorOverrides, collectorOptions } from "../helpers/collector-options.js";
import { checkServedBodies } from "../helpers/exposition-check.js";
import { busiestWindow, FakeClock } from "../helpers/fake-clock.js";
import { expectGolden } from "../helpers/golden.js";
import { samplesOf } from "../helpers/harness.js";
import { captureLogs } from "../helpers/log-sink.js";
import { PartnerCenterSimulator, type SimulatorOptions } from "../helpers/simulator.js";

const NAME = "customer-subscriptions";
const MINUTE = 60_000;

let simulator: PartnerCenterSimulator | undefined;
let poller: Poller | undefined;
afterEach(async () => {
  await poller?.stop();
  await simulator?.stop();
  poller = undefined;
  simulator = undefined;
});

interface Crawler {
  readonly simulator: PartnerCenterSimulator;
  readonly metrics: ExporterMetrics;
  readonly poller: Poller;
  readonly clock: FakeClock;
  /** The client's requests as the request metric counts them (endpoint, code). */
  readonly requests: readonly { endpoint: string; code: string }[];
  crawl(): Promise<string>;
  /** The API requests of the crawl, customers and subscriptions alike. */
  apiRequests(): { path: string; at: number; status: number; headers: Record<string, string> }[];
}

/** A simulator on a fake clock, and the collector crawling it through the real poller and metrics. */
async function crawler(
  options: {
    simulator?: SimulatorOptions;
    collector?: CollectorOverrides;
    maxRetries?: number;
  } = {},
): Promise<Crawler> {
  const clock = new FakeClock();
  const sim = new PartnerCenterSimulator({ customers: 12, now: clock.now, ...options.simulator });
  simulator = sim;
  await sim.start();
  const { client, requests } = await clientStack(sim, { maxRetries: options.maxRetries ?? 0 });
  const collector = customerSubscriptionsCollector({ clock });
  const metrics = new ExporterMetrics({
    collectors: [collector],
    version: "t",
    processMetrics: false,
  });
  await metrics.initialize();
  const running = new Poller({
    collectors: [collector],
    client,
    collectorOptions: collectorOptions(options.collector),
    intervalMs: 3_600_000,
    timeoutMs: 5_000,
    sink: metrics,
    logger: captureLogs().logger,
  });
  poller = running;
  return {
    simulator: sim,
    metrics,
    poller: running,
    clock,
    requests,
    async crawl() {
      await running.crawlOnce();
      return metrics.collectorExposition(NAME);
    },
    apiRequests: () =>
      sim.requests
        .filter((r) => r.path.startsWith("/v1/customers"))
        .map((r) => ({ path: r.path, at: r.at, status: r.status, headers: r.headers })),
  };
}

const infoLines = (text: string) => samplesOf(text, "partner_customer_subscription_info");
const customersIn = (text: string) =>
  new Set(infoLines(text).map((line) => /customer_id="([^"]+)"/.exec(line)?.[1]));

async function selfMetrics(metrics: ExporterMetrics): Promise<string> {
  return metrics.registry.metrics();
}

describe("the customer-subscriptions crawl against the simulator", () => {
  it("pages the customer list with continuation tokens through the /v1//v1 next link", async () => {
    // The same seeded data: the last customer, the only one crawled (the request log holds 1,000).
    const last = new PartnerCenterSimulator({ customers: 1_203 }).customers().at(-1);
    const c = await crawler({
      simulator: { customers: 1_203 },
      collector: { subscriptions: { customerFilter: [last?.id ?? ""] } },
    });
    const text = await c.crawl();
    const pages = c.apiRequests().filter((r) => /^\/v1\/customers\?/.test(r.path));
    expect(pages.map((r) => r.path)).toEqual([
      "/v1/customers?size=500",
      "/v1/customers?size=500&seekOperation=Next",
      "/v1/customers?size=500&seekOperation=Next",
    ]);
    expect(pages[0]?.headers["ms-continuationtoken"]).toBeUndefined();
    const tokens = pages.slice(1).map((r) => r.headers["ms-continuationtoken"]);
    expect(new Set(tokens).size).toBe(2);
    expect(pages.every((r) => r.status === 200)).toBe(true);
    expect([...customersIn(text)]).toEqual([last?.id]);
    const correlation = new Set(c.apiRequests().map((r) => r.headers["ms-correlationid"]));
    expect(correlation.size).toBe(1);
  }, 60_000);

  it("also follows next links as documented (relative, without the quirk)", async () => {
    const c = await crawler({
      simulator: { customers: 600, quirks: [] },
      collector: { subscriptions: { requestsPerMinute: 500 } },
    });
    const text = await c.crawl();
    expect(customersIn(text).size).toBe(600);
  }, 60_000);

  it("never sends more requests than the pace allows in any 60 s window, retries included", async () => {
    const c = await crawler({
      simulator: { customers: 30 },
      collector: { subscriptions: { requestsPerMinute: 4 } },
      maxRetries: 2,
    });
    simulator?.faults.push({ target: "subscriptions", status: 503, times: 2 });
    await c.crawl();
    const requests = c.apiRequests();
    // 1 page of customers, 30 customers, 2 retries after a 503.
    expect(requests).toHaveLength(33);
    expect(requests.filter((r) => r.status === 503)).toHaveLength(2);
    expect(
      busiestWindow(
        requests.map((r) => r.at),
        MINUTE,
      ),
    ).toBe(4);
    const span = (requests.at(-1)?.at ?? 0) - (requests[0]?.at ?? 0);
    expect(span).toBeGreaterThanOrEqual(8 * MINUTE);
    expect(await selfMetrics(c.metrics)).toContain(
      `partner_center_crawl_requests_per_minute{collector="${NAME}"} 4`,
    );
  });

  it.each([
    ["delta seconds", () => "57", 57_000],
    ["an HTTP date", () => new Date(Date.now() + 90_000).toUTCString(), 88_000],
    ["no Retry-After", () => undefined, 2_500],
  ])(
    "waits a 429's Retry-After (%s), slows down, and finishes the crawl",
    async (_form, header, least) => {
      const c = await crawler({ collector: { subscriptions: { requestsPerMinute: 300 } } });
      const retryAfter = header();
      simulator?.faults.push({
        target: "subscriptions",
        status: 429,
        ...(retryAfter !== undefined ? { retryAfter } : {}),
      });
      const text = await c.crawl();
      const throttled = c.apiRequests().findIndex((r) => r.status === 429);
      const retried = c.apiRequests()[throttled + 1];
      expect(retried?.path).toBe(c.apiRequests()[throttled]?.path);
      expect((retried?.at ?? 0) - (c.apiRequests()[throttled]?.at ?? 0)).toBeGreaterThanOrEqual(
        least,
      );
      expect(customersIn(text).size).toBe(12);
      const self = await selfMetrics(c.metrics);
      expect(self).toContain(`partner_center_crawl_requests_per_minute{collector="${NAME}"} 150`);
      expect(self).toContain(`partner_center_crawl_customers{collector="${NAME}",state="done"} 12`);
      expect(self).toContain(
        `partner_center_crawl_customers{collector="${NAME}",state="failed"} 0`,
      );
      // Requests by status, per endpoint template: one series whatever the number of customers.
      const codes = c.requests.map((r) => `${r.endpoint} ${r.code}`);
      expect(codes.filter((r) => r.startsWith("/v1/customers/{id}/subscriptions")).sort()).toEqual([
        ...Array.from({ length: 12 }, () => "/v1/customers/{id}/subscriptions 200"),
        "/v1/customers/{id}/subscriptions 429",
      ]);
      expect(codes.filter((r) => r.startsWith("/v1/customers "))).toEqual(["/v1/customers 200"]);
    },
  );

  it("keeps a failed customer's last good series, and counts it", async () => {
    const c = await crawler();
    const before = await c.crawl();
    const [first] = c.simulator.customers();
    // The first customer's answer is a fault body with a numeric code, as the real API sends.
    simulator?.faults.push({ target: "subscriptions", status: 500 });
    c.simulator.setSubscriptions(first?.id ?? "", [
      { id: "sub-new", offerId: "X", status: "active", quantity: 3 },
    ]);
    const after = await c.crawl();
    expect(infoLines(after)).toEqual(infoLines(before));
    const self = await selfMetrics(c.metrics);
    expect(self).toContain(`partner_center_crawl_customers{collector="${NAME}",state="failed"} 1`);
    expect(self).toContain(`partner_center_crawl_customers{collector="${NAME}",state="done"} 11`);
    expect(self).toContain(
      `partner_center_crawl_customer_failures_total{collector="${NAME}",reason="http_error"} 1`,
    );
    expect(self).toContain(`partner_center_collector_success{collector="${NAME}"} 1`);
  });

  it("reads both endpoints alike with and without the real quirks (BOM, numeric fault codes)", async () => {
    const documented = await (await crawler({ simulator: { quirks: [] } })).crawl();
    await poller?.stop();
    await simulator?.stop();
    const c = await crawler();
    expect(c.simulator.quirks.has("utf8-bom")).toBe(true);
    const [first] = c.simulator.customers();
    const page = await fetch(`${c.simulator.url}/v1/customers/${first?.id}/subscriptions`);
    // Refused (no token), with the fault body's code as a number and a BOM, as the real API.
    const bytes = new Uint8Array(await page.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes)).toMatch(/"code":800001/);
    expect(await c.crawl()).toBe(documented);
  });

  it("over CUSTOMER_MAX_SERIES subscriptions, the customers past it fail and keep their series", async () => {
    // 12 customers with 4 subscriptions each: the third takes the crawl to 12, over 10.
    const c = await crawler({ collector: { customer: { maxSeries: 10 } } });
    const text = await c.crawl();
    expect(infoLines(text)).toHaveLength(8);
    const self = await selfMetrics(c.metrics);
    expect(self).toContain(`partner_center_crawl_customers{collector="${NAME}",state="done"} 2`);
    expect(self).toContain(
      `partner_center_crawl_customer_failures_total{collector="${NAME}",reason="too_many_series"} 10`,
    );
  });

  it("drops customers and subscriptions that disappeared, at the end of the crawl that noticed", async () => {
    const c = await crawler();
    const before = await c.crawl();
    const [first, second] = c.simulator.customers();
    expect(infoLines(before).filter((l) => l.includes(`customer_id="${first?.id}"`)).length).toBe(
      4,
    );
    // All but one subscription gone from the first customer; the second customer gone from the list.
    c.simulator.setSubscriptions(first?.id ?? "", [
      { id: "kept", offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0LH18", status: "active", quantity: 3 },
    ]);
    c.simulator.removeCustomer(second?.id ?? "");
    const after = await c.crawl();
    expect(infoLines(after).filter((l) => l.includes(`customer_id="${first?.id}"`))).toEqual([
      `partner_customer_subscription_info{customer_id="${first?.id}",customer="${first?.name}",subscription_id="kept",offer_id="CFQ7TTC0LH18:0001:CFQ7TTC0LH18",status="active"} 1`,
    ]);
    expect(customersIn(after).has(second?.id)).toBe(false);
    expect(customersIn(after).size).toBe(11);
  });
});

/** One customer's subscriptions as Partner Center writes them: every case the exporter reads. */
const SUBSCRIPTIONS = [
  {
    id: "a1b2c3d4-0000-4000-8000-000000000001",
    offerId: "CFQ7TTC0LFLX:0001:CFQ7TTC0LFLX",
    offerName: "Microsoft 365 E3",
    quantity: 25,
    status: "active",
    creationDate: "2026-11-30T16:44:14.1210743Z",
    commitmentEndDate: "2027-11-29T00:00:00Z",
    cancellationAllowedUntilDate: "2026-12-07T23:59:00Z",
    autoRenewEnabled: true,
    billingCycle: "annual",
    termDuration: "P1Y",
    renewalTermDuration: "",
    refundableQuantity: {
      totalQuantity: 25,
      details: [{ quantity: 25, allowedUntilDateTime: "2026-12-07T16:44:14.1210743Z" }],
    },
    scheduledNextTermInstructions: {
      product: { productId: "CFQ7TTC0LFLX", skuId: "0001", availabilityId: "CFQ7TTC0LFLX" },
      quantity: 20,
    },
  },
  // Casing as some answers have it; the reduction window closed (null).
  {
    Id: "a1b2c3d4-0000-4000-8000-000000000002",
    OfferId: "CFQ7TTC0LH18:0001:CFQ7TTC0LH18",
    OfferName: 'Exchange Online (Plan 1) "Kiosk"',
    Quantity: 3,
    Status: "Suspended",
    CommitmentEndDate: "2026-12-31",
    CancellationAllowedUntilDate: null,
    AutoRenewEnabled: false,
    BillingCycle: "Monthly",
    TermDuration: "P1M",
  },
  // Legacy: a GUID offer id, an exclusive end date, no term.
  {
    id: "a1b2c3d4-0000-4000-8000-000000000003",
    offerId: "91FD106F-4B2C-4938-95AC-F54F74E9A239",
    offerName: "Office 365 E1",
    quantity: 10,
    status: "active",
    commitmentEndDate: "2027-01-01T00:00:00Z",
    autoRenewEnabled: true,
    billingCycle: "monthly",
  },
  // Never exported: gone, excluded, or unusable.
  { id: "deleted-1", offerId: "X", status: "deleted", quantity: 1 },
  { id: "expired-1", offerId: "X", status: "expired", quantity: 1 },
  { id: "disabled-1", offerId: "X", status: "disabled", quantity: 1 },
  { id: "free-1", offerId: "CFQ7TTC0LGTX:0001:CFQ7TTC0LGTX", status: "active", quantity: 1 },
  { id: "bad-1", offerId: "X", status: "active", quantity: "many" },
  { id: "bad-2", offerId: "X", status: "active", quantity: 1, commitmentEndDate: "soon" },
  "not an object",
];

describe("the customer-subscriptions exposition", () => {
  it("matches its golden file and passes the strict checks in every format", async () => {
    const c = await crawler({
      simulator: { customers: 1 },
      collector: { subscriptions: { excludeOffers: ["CFQ7TTC0LGTX"] } },
    });
    const [only] = c.simulator.customers();
    c.simulator.setSubscriptions(only?.id ?? "", SUBSCRIPTIONS);
    const text = await c.crawl();
    await expectGolden(text, new URL("../golden/customer-subscriptions.prom", import.meta.url));
    await checkServedBodies(c.metrics);
    const self = await selfMetrics(c.metrics);
    for (const [reason, count] of [
      ["not_current", 3],
      ["excluded_offer", 1],
      ["invalid_value", 1],
      ["invalid_date", 1],
      ["not_an_object", 1],
    ] as const) {
      expect(self).toContain(
        `partner_center_items_skipped_total{collector="${NAME}",reason="${reason}"} ${count}`,
      );
    }
    expect(self).toContain(`partner_center_items_received_total{collector="${NAME}"} 10`);
  });

  it("reads NCE end dates as inclusive (the end of that day, UTC) and legacy ones as exclusive", async () => {
    const c = await crawler({ simulator: { customers: 1 } });
    const [only] = c.simulator.customers();
    c.simulator.setSubscriptions(only?.id ?? "", SUBSCRIPTIONS.slice(0, 3));
    const ends = samplesOf(
      await c.crawl(),
      "partner_customer_subscription_term_end_timestamp_seconds",
    );
    expect(ends.map((line) => Number(line.split(" ").at(-1)))).toEqual([
      Date.UTC(2027, 10, 30) / 1000,
      Date.UTC(2027, 0, 1) / 1000,
      Date.UTC(2027, 0, 1) / 1000,
    ]);
  });

  it("crawls only the customers SUBSCRIPTIONS_CUSTOMER_FILTER lets through", async () => {
    const ids = new PartnerCenterSimulator({ customers: 5 }).customers().map((x) => x.id);
    const c = await crawler({
      simulator: { customers: 5 },
      collector: { subscriptions: { customerFilter: [`!${ids[1]?.toUpperCase()}`, `!${ids[3]}`] } },
    });
    expect([...customersIn(await c.crawl())]).toEqual([ids[0], ids[2], ids[4]]);
    const subscriptionRequests = c.apiRequests().filter((r) => r.path.endsWith("/subscriptions"));
    expect(subscriptionRequests).toHaveLength(3);
  });

  it("never follows a next link to another host with the access token", async () => {
    const c = await crawler();
    const page = {
      totalCount: 1,
      items: [{ id: "11111111-1111-4111-8111-111111111111" }],
      links: { next: { uri: "https://partner-center.example.invalid/v1/customers?size=500" } },
      continuationToken: "abc",
    };
    c.simulator.faults.push({ target: "customers", status: 200, body: JSON.stringify(page) });
    await c.crawl();
    expect(c.apiRequests()).toHaveLength(1);
    const self = await selfMetrics(c.metrics);
    expect(self).toContain(`partner_center_collector_success{collector="${NAME}"} 0`);
    expect(self).toContain(
      `partner_center_poll_errors_total{collector="${NAME}",reason="invalid_response"} 1`,
    );
  });
});
