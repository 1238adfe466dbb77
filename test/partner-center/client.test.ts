import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ApiHttpError,
  ApiNetworkError,
  ApiTimeoutError,
  InvalidResponseError,
} from "../../src/partner-center/errors.js";
import { LICENSE_USAGE_PATH } from "../../src/partner-center/paths.js";
import { clientStack } from "../helpers/client-stack.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const correlationId = "6b588e9b-1d02-471a-bce2-79374497c24e";

let simulator: PartnerCenterSimulator;
beforeEach(async () => {
  simulator = new PartnerCenterSimulator();
  await simulator.start();
});
afterEach(async () => {
  await simulator.stop();
});

describe("PartnerCenterClient", () => {
  it("sends the documented headers", async () => {
    const { client } = await clientStack(simulator);
    const body = (await client.getJson(LICENSE_USAGE_PATH, { correlationId })) as {
      items: unknown[];
    };
    expect(body.items.length).toBeGreaterThan(0);
    const [request] = simulator.usageRequests();
    expect(request?.authorized).toBe(true);
    expect(request?.headers).toMatchObject({
      accept: "application/json",
      "ms-correlationid": correlationId,
      "x-locale": "en-US",
      "user-agent": "partner-center-exporter/test",
    });
    expect(request?.headers["ms-requestid"]).toMatch(UUID);
  });

  it("honours Retry-After on 429 and keeps one correlation id, with a new request id per answer", async () => {
    const { client, requests } = await clientStack(simulator);
    simulator.faults.push({ target: "usage", status: 429, retryAfter: "1" });
    const started = Date.now();
    await client.getJson(LICENSE_USAGE_PATH, { correlationId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const [first, second] = simulator.usageRequests();
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(200);
    expect(second?.headers["ms-correlationid"]).toBe(correlationId);
    expect(second?.headers["ms-requestid"]).not.toBe(first?.headers["ms-requestid"]);
    expect(requests.map((r) => r.code)).toEqual(["429", "200"]);
  });

  it("caps a long Retry-After at the configured maximum", async () => {
    const { client } = await clientStack(simulator, { maxRetryAfterMs: 200 });
    simulator.faults.push({ target: "usage", status: 429, retryAfter: "3600" });
    const started = Date.now();
    await client.getJson(LICENSE_USAGE_PATH, { correlationId });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(3000);
  });

  it("retries 5xx with backoff, then gives up with a typed error carrying the fault", async () => {
    const { client } = await clientStack(simulator, { maxRetries: 2 });
    simulator.faults.push({ target: "usage", status: 503, times: 3 });
    const error = await client
      .getJson(LICENSE_USAGE_PATH, { correlationId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiHttpError);
    expect(error).toMatchObject({
      status: 503,
      reason: "http_error",
      fault: { code: "503", source: "PartnerFD" },
    });
    expect(simulator.usageRequests()).toHaveLength(3);
  });

  it("does not retry a 403, and parses the error schema", async () => {
    const { client } = await clientStack(simulator);
    simulator.faults.push({ target: "usage", status: 403 });
    const error = await client
      .getJson(LICENSE_USAGE_PATH, { correlationId })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 403,
      fault: { code: "2032", description: "Access denied" },
    });
    expect((error as Error).message).toBe(
      `Partner Center answered 403 to GET ${LICENSE_USAGE_PATH} (code 2032: Access denied)`,
    );
    expect(simulator.usageRequests()).toHaveLength(1);
  });

  it("parses the 429 body shape and reports throttling when retries run out", async () => {
    const { client } = await clientStack(simulator, { maxRetries: 0 });
    simulator.faults.push({ target: "usage", status: 429, retryAfter: "57" });
    const error = await client
      .getJson(LICENSE_USAGE_PATH, { correlationId })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: "throttled",
      retryAfterMs: 57_000,
      fault: { code: "429", description: "Rate limit is exceeded. Try again in 57 seconds." },
    });
  });

  it("keeps the MS-RequestId when retrying after a timeout", async () => {
    const { client, requests } = await clientStack(simulator, { requestTimeoutMs: 200 });
    simulator.faults.push({ target: "usage", delayMs: 600, status: 200, body: "{}" });
    await client.getJson(LICENSE_USAGE_PATH, { correlationId });
    const usage = simulator.usageRequests();
    const ids = usage.map((r) => r.headers["ms-requestid"]);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(requests.map((r) => r.code)).toEqual(["timeout", "200"]);
  });

  it("reports a timeout when the API never answers", async () => {
    const { client } = await clientStack(simulator, { requestTimeoutMs: 100, maxRetries: 1 });
    simulator.faults.push({ target: "usage", hang: true, times: 2 });
    const error = await client
      .getJson(LICENSE_USAGE_PATH, { correlationId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(error).toMatchObject({ reason: "timeout" });
  });

  it("reports a network error when nothing listens", async () => {
    const { client, requests } = await clientStack(simulator, { maxRetries: 1 });
    await client.getJson(LICENSE_USAGE_PATH, { correlationId }); // token cached while it is up
    const url = simulator.url;
    await simulator.stop();
    const error = await client
      .getJson(LICENSE_USAGE_PATH, { correlationId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiNetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(requests.slice(-2).map((r) => r.code)).toEqual(["network", "network"]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    await simulator.start(); // for afterEach
  });

  it("rejects a body that is not JSON, saying why", async () => {
    const { client } = await clientStack(simulator);
    simulator.setUsageBody("<html>proxy error</html>");
    const error = await client
      .getJson(LICENSE_USAGE_PATH, { correlationId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(
      /body is not JSON \(application\/json; charset=utf-8, 24 bytes\)/,
    );
  });

  it("rejects a body larger than the limit without reading it all", async () => {
    const { client } = await clientStack(simulator, { maxBodyBytes: 1024 });
    simulator.setUsageBody(JSON.stringify({ items: [], padding: "x".repeat(10_000) }));
    const error = await client
      .getJson(LICENSE_USAGE_PATH, { correlationId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/exceeds 1024 bytes/);
  });
});
