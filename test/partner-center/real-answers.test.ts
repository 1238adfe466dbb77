import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { AuthError } from "../../src/auth/errors.js";
import { parseTokenError, TokenClient } from "../../src/auth/token-client.js";
import { parseApiDateTime } from "../../src/partner-center/datetime.js";
import { ApiHttpError, parseApiFault } from "../../src/partner-center/errors.js";
import { nextLinkPath } from "../../src/partner-center/paging.js";
import {
  CUSTOMER_DEPLOYMENT_PATH,
  CUSTOMER_USAGE_PATH,
  LICENSE_USAGE_PATH,
} from "../../src/partner-center/paths.js";
import { normaliseNextUri, readCollection } from "../../src/partner-center/resource-collection.js";
import { readCustomer } from "../../src/partner-center/subscriptions.js";
import { clientStack } from "../helpers/client-stack.js";
import { type FixtureServer, startFixtureServer } from "../helpers/fixture-server.js";
import { type Harness, sampleValue, startHarness } from "../helpers/harness.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

/**
 * Answers as Partner Center and Entra ID really give them, captured from where each was seen in
 * public (test/fixtures/real-answers/, one file per sighting; docs/real-answers.md lists them),
 * served byte for byte by a real HTTP server and read by the real exporter.
 */

const fixture = (name: string) =>
  readFile(new URL(`../fixtures/real-answers/${name}`, import.meta.url), "utf8");
const correlationId = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

let harness: Harness | undefined;
let server: FixtureServer | undefined;
let simulator: PartnerCenterSimulator | undefined;
afterEach(async () => {
  await harness?.close();
  await server?.close();
  await simulator?.stop();
  harness = undefined;
  server = undefined;
  simulator = undefined;
});

/** The exporter polling the fixture server (tokens from the simulator), one poll done. */
async function exporterOn(
  routes: Parameters<typeof startFixtureServer>[0],
  collectors: string,
): Promise<string> {
  server = await startFixtureServer(routes);
  harness = await startHarness({
    env: { PARTNER_CENTER_URL: server.url, COLLECTORS: collectors },
  });
  return harness.scrape();
}

describe("real Partner Center answers", () => {
  it("a customer page's next link that repeats /v1 (Partner-Center-PowerShell #379) is the next page of /v1/customers", async () => {
    const body = JSON.parse(await fixture("partner-center-powershell-379-v1-v1-next-link.json"));
    const page = readCollection(body, "customers");
    expect(page.items.map(readCustomer)).toEqual([
      { id: "5f3e1a2b-7c4d-4e8f-9a0b-1c2d3e4f5a6b", name: "Contoso" },
      { id: "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d", name: "Fabrikam" },
    ]);
    const uri = page.next?.uri ?? "";
    expect(uri).toContain("/v1//v1/customers");
    const base = "https://api.partnercenter.microsoft.com";
    expect(nextLinkPath(base, normaliseNextUri(uri))).toBe(
      "/v1/customers?size=500&seekOperation=Next",
    );
    expect(page.next?.continuationToken).toBe("AAAAAAAAAAAAAAAAAAAAAA");
    // The crawl against the simulator's switch of it: test/collectors/customer-subscriptions.test.ts.
  });

  it("a UTF-8 BOM before the usage body (partner-center-client-readme-2025) is not part of the JSON", async () => {
    const raw = await readFile(
      new URL(
        "../fixtures/real-answers/partner-center-client-readme-2025-bom-usage.json",
        import.meta.url,
      ),
    );
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const exposition = await exporterOn(
      {
        [LICENSE_USAGE_PATH]: {
          file: "real-answers/partner-center-client-readme-2025-bom-usage.json",
        },
      },
      "partner-usage",
    );
    expect(sampleValue(exposition, "partner_center_up")).toBe(1);
    expect(
      sampleValue(
        exposition,
        'partner_license_usage_percent{workload="Teams",service="o365",channel="reseller"}',
      ),
    ).toBe(104.2);
  });

  it("a BOM before a commercial usage page (python client decoding utf-8-sig) is not part of the JSON", async () => {
    const exposition = await exporterOn(
      {
        [CUSTOMER_USAGE_PATH]: {
          file: "real-answers/python-commercial-usage-client-utf-8-sig.json",
        },
      },
      "customer-usage",
    );
    expect(
      sampleValue(exposition, 'partner_center_collector_success{collector="customer-usage"}'),
    ).toBe(1);
    const active = exposition
      .split("\n")
      .find((l) => l.startsWith("partner_customer_licenses_active{"));
    expect(active).toContain('customer="TEST COMPANY"');
    expect(active).toMatch(/ 7$/);
  });

  it("licenseActive, the spelling of the commercial usage example, is read as licensesActive", async () => {
    const exposition = await exporterOn(
      {
        [CUSTOMER_USAGE_PATH]: {
          file: "real-answers/get-licenses-usage-information-example-licenseActive.json",
        },
      },
      "customer-usage",
    );
    const line = (name: string) => exposition.split("\n").find((l) => l.startsWith(`${name}{`));
    expect(line("partner_customer_licenses_active")).toMatch(/workload="Exchange".* 0$/);
    expect(line("partner_customer_licenses_qualified")).toMatch(/ 1$/);
    expect(
      sampleValue(
        exposition,
        'partner_center_items_skipped_total{collector="customer-usage",reason="invalid_value"}',
      ),
    ).toBe(0);
  });

  it("a processedDateTime without an offset (commercial deployment example) is UTC", async () => {
    const body = JSON.parse(
      await fixture("get-licenses-deployment-information-example-offsetless.json"),
    ) as { Value: { processedDateTime: string }[] };
    const [row] = body.Value;
    expect(parseApiDateTime(row?.processedDateTime)).toBe(Date.UTC(2018, 9, 14));
    const exposition = await exporterOn(
      {
        [CUSTOMER_DEPLOYMENT_PATH]: {
          file: "real-answers/get-licenses-deployment-information-example-offsetless.json",
        },
      },
      "customer-deployment",
    );
    const deployed = exposition
      .split("\n")
      .find((l) => l.startsWith("partner_customer_licenses_deployed{"));
    expect(deployed).toMatch(/ 5$/);
  });

  it("a numeric fault code (PartnerFD, 2025) is named in the error, BOM or not", async () => {
    for (const bom of [false, true]) {
      simulator = new PartnerCenterSimulator();
      await simulator.start();
      server = await startFixtureServer({
        [LICENSE_USAGE_PATH]: {
          file: "real-answers/partnerfd-2025-numeric-code-2000.json",
          status: 400,
          bom,
        },
      });
      const { client } = await clientStack(simulator, { baseUrl: server.url });
      const error = await client
        .getJson(LICENSE_USAGE_PATH, { correlationId })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiHttpError);
      expect((error as ApiHttpError).fault).toEqual({
        code: "2000",
        description: "Account Id has to be set.",
        source: "PartnerFD",
      });
      expect((error as Error).message).toContain("(code 2000: Account Id has to be set.)");
      await server.close();
      await simulator.stop();
    }
  });

  it("the 429 body of the throttling guidance is read, and Retry-After honoured", async () => {
    expect(parseApiFault(await fixture("api-throttling-guidance-429.json"))).toEqual({
      code: "429",
      description: "Rate limit is exceeded. Try again in 1 seconds.",
      source: undefined,
    });
    simulator = new PartnerCenterSimulator();
    await simulator.start();
    server = await startFixtureServer({
      [LICENSE_USAGE_PATH]: [
        {
          file: "real-answers/api-throttling-guidance-429.json",
          status: 429,
          headers: { "Retry-After": "1" },
        },
        { file: "real-answers/partner-center-client-readme-2025-bom-usage.json" },
      ],
    });
    const { client, requests } = await clientStack(simulator, { baseUrl: server.url });
    const body = (await client.getJson(LICENSE_USAGE_PATH, { correlationId })) as {
      items: unknown[];
    };
    expect(body.items).toHaveLength(2);
    expect(requests.map((r) => r.code)).toEqual(["429", "200"]);
  });
});

describe("real Entra ID answers", () => {
  const tenant = "contoso.onmicrosoft.com";
  const tokenClient = (url: string) =>
    new TokenClient({
      authorityHost: url,
      tenantId: tenant,
      clientId: "00000000-0000-0000-0000-000000000001",
      clientSecret: () => "not-a-real-secret",
      requestTimeoutMs: 1_000,
      maxRetries: 0,
      retryBackoffMs: 1,
      maxRetryAfterMs: 1_000,
      userAgent: "partner-center-exporter/test",
      now: () => 1_000_000,
    });

  it.each([false, true])(
    "a v1 token answer with numbers as strings (enable-secure-app-model), BOM %s",
    async (bom) => {
      server = await startFixtureServer({
        [`/${tenant}/oauth2/token`]: {
          file: "real-answers/enable-secure-app-model-v1-token-answer.json",
          bom,
        },
      });
      const grant = await tokenClient(server.url).redeemRefreshToken("a-refresh-token");
      expect(grant.expiresAt).toBe(1_000_000 + 3599_000);
      expect(grant.accessToken).toBe("REPLACED-BY-TEST");
      expect(grant.refreshToken).toBe("REPLACED-BY-TEST");
    },
  );

  it.each([false, true])(
    "AADSTS700082 as azure-cli#14244 shows it: code, error and first line only, BOM %s",
    async (bom) => {
      const text = await fixture("azure-cli-14244-aadsts700082.json");
      const parsed = parseTokenError(400, text);
      expect(parsed.aadsts).toBe(700082);
      server = await startFixtureServer({
        [`/${tenant}/oauth2/token`]: {
          file: "real-answers/azure-cli-14244-aadsts700082.json",
          status: 400,
          bom,
        },
      });
      const error = await tokenClient(server.url)
        .redeemRefreshToken("a-refresh-token")
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).oauthError).toBe("invalid_grant");
      expect((error as AuthError).aadsts).toBe(700082);
      expect((error as Error).message).toBe(parsed.message);
      expect((error as Error).message).toContain("inactive for 90.00:00:00. (AADSTS700082)");
      expect((error as Error).message).not.toContain("Trace ID");
    },
  );
});
