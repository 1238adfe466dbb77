import { afterEach, describe, expect, it } from "vitest";
import { type RunningDemo, startDemo } from "../../simulator/demo.js";
import { QUIRK_NAMES, type Quirk } from "../../simulator/quirks.js";
import { loadConfig } from "../../src/config/load-config.js";
import { CUSTOMER_USAGE_PATH, LICENSE_USAGE_PATH } from "../../src/partner-center/paths.js";
import { sampleValue } from "../helpers/harness.js";
import { captureLogs } from "../helpers/log-sink.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

/**
 * Each real-world quirk is a switch of the simulator: on, its answers show it; off, they are as
 * documented. Observed from the outside, over HTTP, as the exporter sees them.
 */

let simulator: PartnerCenterSimulator | undefined;
let exporter: RunningDemo | undefined;
afterEach(async () => {
  await simulator?.stop();
  await exporter?.stop();
  simulator = undefined;
  exporter = undefined;
});

const BOM = [0xef, 0xbb, 0xbf];

async function raw(
  response: Response,
): Promise<{ bytes: number[]; json: Record<string, unknown> }> {
  const bytes = [...new Uint8Array(await response.arrayBuffer())];
  // TextDecoder drops a leading BOM, as the exporter's reader does.
  const json = JSON.parse(new TextDecoder().decode(new Uint8Array(bytes))) as Record<
    string,
    unknown
  >;
  return { bytes, json };
}

function grant(sim: PartnerCenterSimulator, path: string, refreshToken: string): Promise<Response> {
  return fetch(`${sim.url}/${sim.tenantId}/oauth2${path}`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    }),
  });
}

async function accessToken(sim: PartnerCenterSimulator): Promise<string> {
  const { json } = await raw(await grant(sim, "/token", sim.currentRefreshToken));
  return String(json.access_token);
}

async function firstRow(sim: PartnerCenterSimulator): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}${CUSTOMER_USAGE_PATH}?top=1`, {
    headers: { Authorization: `Bearer ${await accessToken(sim)}` },
  });
  const { json } = await raw(response);
  return (json.Value as Record<string, unknown>[])[0] ?? {};
}

/** How each quirk shows from outside: true when the answer has it. */
const OBSERVE: Record<Quirk, (sim: PartnerCenterSimulator) => Promise<boolean>> = {
  "utf8-bom": async (sim) => {
    const unauthorized = await raw(await fetch(`${sim.url}${LICENSE_USAGE_PATH}`));
    const token = await raw(await grant(sim, "/token", sim.currentRefreshToken));
    const refused = await raw(await grant(sim, "/token", "not-a-token"));
    const marked = [unauthorized, token, refused].map(
      (a) => a.bytes.slice(0, 3).join() === BOM.join(),
    );
    expect(new Set(marked).size).toBe(1);
    return marked[0] === true;
  },
  "numeric-fault-codes": async (sim) => {
    const { json } = await raw(await fetch(`${sim.url}${LICENSE_USAGE_PATH}`));
    expect(String(json.code)).toBe("800001");
    return typeof json.code === "number";
  },
  "license-active-spelling": async (sim) => {
    const row = await firstRow(sim);
    expect("licenseActive" in row !== "licensesActive" in row).toBe(true);
    return "licenseActive" in row;
  },
  "v1-string-numbers": async (sim) => {
    const v2 = await raw(await grant(sim, "/v2.0/token", sim.currentRefreshToken));
    expect(typeof v2.json.expires_in).toBe("number");
    const v1 = await raw(await grant(sim, "/token", sim.currentRefreshToken));
    return typeof v1.json.expires_in === "string";
  },
  "offsetless-datetimes": async (sim) => {
    const when = String((await firstRow(sim)).processedDateTime);
    expect(when).toMatch(/^\d{4}-\d\d-\d\dT00:00:00/);
    return /T00:00:00$/.test(when);
  },
  "v1-next-link": async (sim) => {
    const response = await fetch(`${sim.url}/v1/customers?size=5`, {
      headers: { Authorization: `Bearer ${await accessToken(sim)}` },
    });
    const links = (await raw(response)).json.links as { next?: { uri?: string } };
    const uri = String(links.next?.uri);
    expect(uri).toMatch(/customers\?size=5&seekOperation=Next$/);
    return uri.includes("/v1//v1/customers");
  },
  "plain-throttle-body": async (sim) => {
    sim.faults.push({ target: "usage", status: 429, retryAfter: "7" });
    const response = await fetch(`${sim.url}${LICENSE_USAGE_PATH}`, {
      headers: { Authorization: `Bearer ${await accessToken(sim)}` },
    });
    expect(response.status).toBe(429);
    const { json } = await raw(response);
    expect(JSON.stringify(json)).toContain("Try again in 7 seconds.");
    return json.statusCode === 429 && !("code" in json);
  },
  "aadsts-trace-body": async (sim) => {
    const { json } = await raw(await grant(sim, "/token", "not-a-token"));
    expect(json.error).toBe("invalid_grant");
    expect(String(json.error_description)).toMatch(/^AADSTS700082: /);
    return Array.isArray(json.error_codes) && /\r\nTrace ID: /.test(String(json.error_description));
  },
};

describe("simulator quirks", () => {
  it("observes every quirk the simulator knows", () => {
    expect(Object.keys(OBSERVE).sort()).toEqual([...QUIRK_NAMES].sort());
  });

  it.each(QUIRK_NAMES)("%s: shown when on, absent when off", async (quirk) => {
    for (const on of [true, false]) {
      // Every other quirk stays on: each switch works on its own.
      const quirks = QUIRK_NAMES.filter((q) => q !== quirk || on);
      simulator = new PartnerCenterSimulator({ quirks });
      await simulator.start();
      expect(await OBSERVE[quirk](simulator)).toBe(on);
      await simulator.stop();
      simulator = undefined;
    }
  });

  it("--demo runs the simulator with every quirk on, and the exporter reads it all", async () => {
    const result = loadConfig({
      argv: ["--demo", "--web.listen-address=127.0.0.1:0"],
      env: {},
      readFile: () => "",
    });
    if (result.kind !== "run") throw new Error(`bad config: ${JSON.stringify(result)}`);
    const logs = captureLogs();
    exporter = await startDemo(result.config, logs.logger, logs.scrubber);
    await exporter.poller.pollOnce();
    expect([...exporter.simulator.quirks].sort()).toEqual([...QUIRK_NAMES].sort());
    const exposition = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(sampleValue(exposition, "partner_center_up")).toBe(1);
    for (const collector of [
      "partner-usage",
      "partner-deployment",
      "customer-usage",
      "customer-deployment",
    ]) {
      expect(
        sampleValue(exposition, `partner_center_collector_success{collector="${collector}"}`),
      ).toBe(1);
    }
    // Nothing skipped for a quirk. Deleted and expired subscriptions are skipped as not_current
    // on purpose (never exported), as many as the crawl has reached by now.
    const skipped = exposition
      .split("\n")
      .filter((l) => /^partner_center_items_skipped_total\{[^}]*\} [1-9]/.test(l))
      .filter((l) => !l.includes('reason="not_current"'));
    expect(skipped).toEqual([]);
  });
});
