import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { acceptsGzip, wantsOpenMetrics } from "../../src/http/scrape.js";
import { toOpenMetrics } from "../../src/metrics/scrape-cache.js";
import { checkExposition } from "../helpers/exposition-check.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw HTTP request (fetch would decompress and hide the encoding). */
function get(url: string, headers: Record<string, string>, method = "GET"): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** Everything but the metrics that measure the process itself. */
function withoutProcessMetrics(text: string): string {
  return text
    .split("\n")
    .filter((l) => !/^(# (HELP|TYPE) )?(process_|nodejs_)/.test(l))
    .join("\n");
}

describe("the scrape path", () => {
  it("honours Accept-Encoding: gzip, and the gzip body decompresses to the plain one", async () => {
    harness = await startHarness({
      env: { COLLECTORS: "partner-usage,customer-usage" },
      simulator: { customers: 30 },
    });
    const url = `${harness.exporter.url}/metrics`;
    const plain = await get(url, {});
    const zipped = await get(url, { "Accept-Encoding": "gzip" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("Accept, Accept-Encoding");
    expect(Number(zipped.headers["content-length"])).toBe(zipped.body.length);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    const unzipped = gunzipSync(zipped.body).toString("utf8");
    expect(withoutProcessMetrics(unzipped)).toBe(
      withoutProcessMetrics(plain.body.toString("utf8")),
    );
    // Both parse (process metrics may move between the two scrapes, so no count comparison).
    await Promise.all([checkExposition(plain.body, "text"), checkExposition(unzipped, "text")]);
  });

  it("serves OpenMetrics when asked, with its content type and # EOF, the text format otherwise", async () => {
    harness = await startHarness();
    const url = `${harness.exporter.url}/metrics`;
    const prometheusAccept =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    const om = await get(url, { Accept: prometheusAccept });
    expect(om.headers["content-type"]).toBe(
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
    );
    const text = om.body.toString("utf8");
    expect(text.endsWith("# EOF\n")).toBe(true);
    expect(text.match(/# EOF/g)).toHaveLength(1);
    expect(text).not.toMatch(/\n\n/);
    expect(text).toContain("# TYPE partner_center_poll_errors counter\n");
    expect(text).toMatch(/^partner_center_poll_errors_total\{/m);
    await checkExposition(om.body, "openmetrics");
    const plain = await get(url, { Accept: "text/plain" });
    expect(plain.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(plain.body.toString("utf8")).toContain(
      "# TYPE partner_center_poll_errors_total counter\n",
    );
    await checkExposition(plain.body, "text");
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    harness = await startHarness();
    const url = `${harness.exporter.url}/metrics`;
    const head = await get(url, { "Accept-Encoding": "gzip" }, "HEAD");
    const full = await get(url, { "Accept-Encoding": "gzip" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-type"]).toBe(full.headers["content-type"]);
    expect(Number(head.headers["content-length"])).toBeGreaterThan(0);
  });

  it("gives byte-identical bodies between scrapes when nothing changed, but for the process metrics", async () => {
    harness = await startHarness();
    const url = `${harness.exporter.url}/metrics`;
    const first = (await get(url, {})).body.toString("utf8");
    await new Promise((r) => setTimeout(r, 1100));
    const second = (await get(url, {})).body.toString("utf8");
    expect(withoutProcessMetrics(second)).toBe(withoutProcessMetrics(first));
    // The process metrics are read again (at most once a second), so they do move.
    expect(second).not.toBe(first);
  });

  it("never shows half a poll: every scrape during a poll sees the old set or the new one, whole", async () => {
    harness = await startHarness({
      env: { COLLECTORS: "customer-usage", CUSTOMER_PAGE_SIZE: "200" },
      simulator: { customers: 400 },
    });
    const url = `${harness.exporter.url}/metrics`;
    const series = (text: string) =>
      text
        .split("\n")
        .filter((l) => l.startsWith("partner_customer_licenses_active{"))
        .join("\n");
    const before = series((await get(url, {})).body.toString("utf8"));
    harness.simulator.setCustomerSeed(99);
    let done = false;
    const polling = harness.exporter.poller.pollOnce().then(() => {
      done = true;
    });
    const observed: string[] = [];
    for (let i = 0; i < 500 && !done; i++)
      observed.push(series((await get(url, {})).body.toString("utf8")));
    await polling;
    const afterBody = (await get(url, {})).body;
    await checkExposition(afterBody, "text");
    const after = series(afterBody.toString("utf8"));
    expect(after).not.toBe(before);
    expect(observed.length).toBeGreaterThan(0);
    for (const set of observed) expect(set === before || set === after).toBe(true);
  });
});

describe("content negotiation", () => {
  it.each([
    [undefined, false],
    ["gzip", true],
    ["gzip, deflate, br", true],
    ["deflate", false],
    ["gzip;q=0", false],
    ["*", true],
    ["identity, gzip;q=0.5", true],
    // issue 19: an explicit q=0 wins over `*`, `*;q=0` refuses what is not listed, q is parsed.
    ["gzip;q=0, *", false],
    ["*, gzip;q=0", false],
    ["GZIP; Q=0", false],
    ["gzip;q=0.000", false],
    ["identity", false],
    ["identity;q=0", false],
    ["*;q=0", false],
    ["*;q=0, identity", false],
    ["gzip;q=0.001", true],
    ["br;q=1, *;q=0.1", true],
  ])("Accept-Encoding %j allows gzip: %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it.each([
    [undefined, false],
    ["text/plain;version=0.0.4", false],
    ["application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", true],
    ["text/plain;q=0.9,application/openmetrics-text;q=0.5", false],
    ["*/*", false],
  ])("Accept %j asks for OpenMetrics: %s", (header, expected) => {
    expect(wantsOpenMetrics(header)).toBe(expected);
  });

  it("names counter families without _total in OpenMetrics, and drops blank lines", () => {
    const text =
      "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n\n# HELP b_total_x B.\n# TYPE b_total_x gauge\nb_total_x 2\n";
    expect(toOpenMetrics(text)).toBe(
      "# HELP a A.\n# TYPE a counter\na_total 1\n# HELP b_total_x B.\n# TYPE b_total_x gauge\nb_total_x 2\n",
    );
  });
});
