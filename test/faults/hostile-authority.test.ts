import { afterEach, describe, expect, it } from "vitest";
import { type Harness, samplesOf, sampleValue, startHarness } from "../helpers/harness.js";

/**
 * Issue 19: what a token authority reflects is not trusted. Its echo of the request is scrubbed
 * in every spelling, its `error` field never becomes a label value, and an access token that
 * cannot go into a header is refused when it arrives instead of failing every poll.
 */

/** A secret with characters that every encoding spells differently. */
const SECRET = "abc8Q~Xy+z/Secret=value with space";
const FAILURES = "partner_center_token_refresh_failures_total";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A harness whose client secret is SECRET; its first poll succeeded. */
async function start(): Promise<Harness> {
  harness = await startHarness({ simulator: { clientSecret: SECRET } });
  expect(sampleValue(await harness.scrape(), "partner_center_up")).toBe(1);
  return harness;
}

/** The form the exporter posts, as an authority that echoes it would write it back. */
function echoedForm(h: Harness): string {
  return new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: h.simulator.currentRefreshToken,
    client_secret: SECRET,
  }).toString();
}

async function pollAgainstTokenFault(h: Harness, body: string, status = 400, times = 1) {
  h.simulator.faults.push({ target: "token", status, body, times });
  h.simulator.expireAccessTokens();
  await h.exporter.poller.pollOnce();
  return h.scrape();
}

describe("a hostile token authority", () => {
  it("echoes the form in error_description and error: the log masks every spelling, labels stay fixed", async () => {
    const h = await start();
    const form = echoedForm(h);
    const body = JSON.stringify({
      error: form,
      error_description: `AADSTS9999999: bad request ${form} and ${encodeURIComponent(SECRET)}`,
      error_codes: [9999999],
    });
    const text = await pollAgainstTokenFault(h, body);
    expect(sampleValue(text, "partner_center_up")).toBe(0);
    expect(samplesOf(text, FAILURES)).toEqual([`${FAILURES}{error="other",aadsts="other"} 1`]);
    expect(text).not.toContain("refresh_token=");
    const logged = h.logs.raw.join("\n");
    // The echo reached the log (so the check below is about masking, not about silence)...
    expect(logged).toContain("grant_type=refresh_token");
    // ...and no spelling of the secret or the refresh token did.
    for (const secret of [SECRET, h.simulator.currentRefreshToken]) {
      for (const spelling of [
        secret,
        encodeURIComponent(secret),
        new URLSearchParams({ s: secret }).toString().slice(2),
      ]) {
        expect(logged.includes(spelling), spelling.slice(0, 12)).toBe(false);
      }
    }
  });

  it("a documented error keeps its own label values", async () => {
    const h = await start();
    const body = JSON.stringify({
      error: "invalid_client",
      error_description: "AADSTS7000215: Invalid client secret provided.",
      error_codes: [7000215],
    });
    const text = await pollAgainstTokenFault(h, body, 401);
    expect(samplesOf(text, FAILURES)).toEqual([
      `${FAILURES}{error="invalid_client",aadsts="7000215"} 1`,
    ]);
  });

  it.each([
    ["CR LF", "eyJ0.header\r\nX-Injected: 1"],
    ["U+2028", "eyJ0.line\u2028separator"],
    ["Latin-1", "eyJ0.caf\u00e9"],
    ["beyond Latin-1", "eyJ0.\u4e2d\u6587"],
    ["a space", "eyJ0 two"],
  ])(
    "an access token with %s is refused as auth when it arrives, and not cached",
    async (_name, token) => {
      const h = await start();
      const body = JSON.stringify({ access_token: token, expires_in: 3600, token_type: "Bearer" });
      const tokenRequests = h.simulator.tokenRequests().length;
      const usageRequests = h.simulator.usageRequests().length;
      await pollAgainstTokenFault(h, body, 200, 2);
      await h.exporter.poller.pollOnce();
      const text = await h.scrape();
      expect(sampleValue(text, "partner_center_up")).toBe(0);
      expect(
        sampleValue(
          text,
          'partner_center_poll_errors_total{collector="partner-usage",reason="auth"}',
        ),
      ).toBe(2);
      // Not cached: each poll asked the authority again, and never sent the token to the API.
      expect(h.simulator.tokenRequests().length - tokenRequests).toBe(2);
      expect(h.simulator.usageRequests().length - usageRequests).toBe(1);
      const failed = h.logs
        .lines()
        .filter((l) => l.msg === "collector failed; keeping its last good series");
      expect(String(failed.at(-1)?.error)).toMatch(/access token cannot go into an HTTP header/);
      // The faults are used up: the next poll gets a good token and recovers.
      await h.exporter.poller.pollOnce();
      expect(sampleValue(await h.scrape(), "partner_center_up")).toBe(1);
    },
  );
});
